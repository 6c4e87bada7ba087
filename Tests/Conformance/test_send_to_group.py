"""`pubsub send-to-group` (the built binary): a client made with Microsoft's SDK receives what it
sends, 2000 acked lines arrive in order, and each failure has its exit status."""

import pytest
from azure.messaging.webpubsubclient.models import CallbackType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from sdk_helpers import WireListener, hub_name, make_client


@pytest.fixture
def hub():
    return hub_name()


def receiver(service, hub, group):
    client, events = make_client(service, hub, user="listener")
    client.open()
    client.join_group(group)
    return client, events


def send(pubsub, service, hub, *args, stdin=""):
    return pubsub("send-to-group", *args, "--hub", hub, "--connection-string", service.connection_string, stdin=stdin)


def test_an_sdk_client_receives_what_send_to_group_sends(pubsub, service, hub):
    client, events = receiver(service, hub, "room")
    assert send(pubsub, service, hub, "room", "Hello World", "--user", "alice").status == 0
    assert send(pubsub, service, hub, "room", '{"move": "e4"}', "--data-type", "json", "--no-echo").status == 0
    assert send(pubsub, service, hub, "room", "-", "--data-type", "binary", stdin="raw\x01").status == 0
    events.wait_count(CallbackType.GROUP_MESSAGE, 3)
    received = events.of(CallbackType.GROUP_MESSAGE)
    assert [(m.group, m.from_user_id) for m in received] == [("room", "alice"), ("room", None), ("room", None)]
    assert received[0].data == "Hello World"
    assert received[1].data == {"move": "e4"}
    assert bytes(received[2].data) == b"raw\x01"
    client.close()


def test_two_thousand_acked_lines_arrive_in_order(pubsub, service, hub):
    listener = WireListener(service, hub, "bulk")
    lines = [f"line {i}" for i in range(2000)]
    result = send(pubsub, service, hub, "bulk", "--lines", stdin="\n".join(lines) + "\n")
    assert result.status == 0, result.stderr
    assert listener.group_messages(2000) == lines
    listener.close()


def test_failures_have_their_exit_status(pubsub, service, hub):
    no_rights = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub).get_client_access_token(user_id="x")["url"]
    forbidden = pubsub("send-to-group", "room", "hi", "--url", no_rights)
    assert forbidden.status == 77
    assert "refused to publish to group room" in forbidden.stderr
    assert "webpubsub.sendToGroup" in forbidden.stderr

    bad_json = send(pubsub, service, hub, "room", "{nope", "--data-type", "json")
    assert bad_json.status == 65
    assert "not valid JSON" in bad_json.stderr

    unreachable = pubsub("send-to-group", "room", "hi", "--hub", hub, "--connection-string", "Endpoint=http://127.0.0.1:9;AccessKey=k;Version=1.0;")
    assert unreachable.status == 69
    assert "connection refused" in unreachable.stderr

    usage = send(pubsub, service, hub, "room")
    assert usage.status == 64
    assert "nothing to send" in usage.stderr
