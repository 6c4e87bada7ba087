"""`pubsub publish` (the built binary) against the local service, checked by a client made with
Microsoft's azure-messaging-webpubsubclient, and its exit statuses for every kind of failure."""

import http.server
import threading

import pytest
from azure.messaging.webpubsubclient.models import CallbackType

from sdk_helpers import WireListener, hub_name, make_client


@pytest.fixture
def hub():
    return hub_name()


def connected_client(service, hub, user, groups=()):
    client, events = make_client(service, hub, user=user)
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    for group in groups:
        client.join_group(group)
    return client, events, events.of(CallbackType.CONNECTED)[0].connection_id


def publish(pubsub, service, hub, *args, stdin=""):
    return pubsub("publish", "--hub", hub, "--connection-string", service.connection_string, *args, stdin=stdin)


def test_hello_world_to_the_hub_a_group_a_user_and_a_connection(pubsub, service, hub):
    client, events, connection_id = connected_client(service, hub, "alice", groups=["room"])
    for args in (["Hello World"], ["to group", "--group", "room"], ["to user", "--user", "alice"], ["to connection", "--connection", connection_id]):
        result = publish(pubsub, service, hub, *args)
        assert result.status == 0, result.stderr
        assert result.stdout == "" and result.stderr == "", "silent on success"
    events.wait_for(lambda: len(events.events) >= 5, "4 messages")
    received = [(kind, event.data) for kind, event in events.events if kind in (CallbackType.SERVER_MESSAGE, CallbackType.GROUP_MESSAGE)]
    assert received == [
        (CallbackType.SERVER_MESSAGE, "Hello World"),
        (CallbackType.GROUP_MESSAGE, "to group"),
        (CallbackType.SERVER_MESSAGE, "to user"),
        (CallbackType.SERVER_MESSAGE, "to connection"),
    ]
    client.close()


def test_content_types_stdin_file_and_options(pubsub, service, hub, tmp_path):
    client, events, connection_id = connected_client(service, hub, "bob", groups=["g"])
    other, other_events, other_id = connected_client(service, hub, "carol", groups=["g"])
    assert publish(pubsub, service, hub, '{"price": 12.5, "tags": ["a"]}', "--content-type", "json").status == 0
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)))
    assert publish(pubsub, service, hub, "--file", str(binary), "--content-type", "binary", "--connection", connection_id).status == 0
    assert publish(pubsub, service, hub, "-", stdin="line one\nline two\n").status == 0
    assert publish(pubsub, service, hub, "not carol", "--group", "g", "--exclude", other_id).status == 0
    assert publish(pubsub, service, hub, "only carol", "--filter", "userId eq 'carol'").status == 0
    assert publish(pubsub, service, hub, "with ttl", "--ttl", "30s").status == 0
    events.wait_for(lambda: len(events.of(CallbackType.SERVER_MESSAGE)) + len(events.of(CallbackType.GROUP_MESSAGE)) >= 5, "5 messages")
    data = [event.data for kind, event in events.events if kind in (CallbackType.SERVER_MESSAGE, CallbackType.GROUP_MESSAGE)]
    assert data[0] == {"price": 12.5, "tags": ["a"]}
    assert bytes(data[1]) == bytes(range(256))
    assert data[2:] == ["line one\nline two\n", "not carol", "with ttl"]
    other_events.wait_for(lambda: len(other_events.of(CallbackType.SERVER_MESSAGE)) >= 4, "carol's messages")
    assert [e.data for e in other_events.of(CallbackType.SERVER_MESSAGE)][1:] == ["line one\nline two\n", "only carol", "with ttl"]
    assert other_events.of(CallbackType.GROUP_MESSAGE) == [], "excluded from the group send"
    client.close()
    other.close()


def test_two_thousand_lines_arrive_in_order(pubsub, service, hub):
    listener = WireListener(service, hub, "bulk")
    lines = [f"message {i}" for i in range(2000)]
    result = publish(pubsub, service, hub, "--lines", "--group", "bulk", stdin="\n".join(lines) + "\n")
    assert result.status == 0, result.stderr
    assert listener.group_messages(2000) == lines
    listener.close()


def received_until_end(service, hub, pubsub, events):
    """What a client got up to a final "end" published after the run under test exited."""
    assert publish(pubsub, service, hub, "end").status == 0
    events.wait_for(lambda: "end" in [e.data for e in events.of(CallbackType.SERVER_MESSAGE)], "the end marker")
    return [e.data for e in events.of(CallbackType.SERVER_MESSAGE)]


def test_lines_stop_at_the_first_bad_line_and_nothing_after_it_is_sent(pubsub, service, hub):
    client, events, _ = connected_client(service, hub, "watcher")
    result = publish(pubsub, service, hub, "--lines", "--content-type", "json", stdin='{"ok": 1}\nnot json\n{"ok": 2}\n')
    assert result.status == 65, result.stderr
    assert "line 2 is not valid JSON" in result.stderr
    assert "stopped at line 2: 1 line before it was sent, nothing from it on" in result.stderr, result.stderr
    assert received_until_end(service, hub, pubsub, events) == [{"ok": 1}, "end"]
    client.close()


@pytest.mark.parametrize("args,stdin", [(["not json"], ""), (["-"], '{"ok": 1}\nnot json\n')])
def test_a_whole_message_that_is_not_json_sends_nothing(pubsub, service, hub, args, stdin):
    client, events, _ = connected_client(service, hub, "watcher")
    result = publish(pubsub, service, hub, *args, "--content-type", "json", stdin=stdin)
    assert result.status == 65 and "is not valid JSON" in result.stderr, result.stderr
    assert "stopped at line" not in result.stderr
    assert received_until_end(service, hub, pubsub, events) == ["end"]
    client.close()


@pytest.mark.parametrize(
    "args,status,fragment",
    [
        ([], 64, "nothing to send"),
        (["a", "--lines"], 64, "only one of"),
        (["a", "--group", "g", "--user", "u"], 64, "at most one of"),
        (["a", "--user", "u", "--exclude", "c"], 64, "--exclude only applies"),
        (["a", "--ttl", "10m"], 64, "from 1s to 300s"),
        (["a", "--filter", "userId eq"], 64, "Invalid syntax"),
    ],
)
def test_usage_errors(pubsub, service, hub, args, status, fragment):
    result = publish(pubsub, service, hub, *args)
    assert result.status == status
    assert fragment in result.stderr


def test_wrong_key_and_missing_resource_and_unreachable(pubsub, service, hub):
    wrong_key = service.connection_string.replace("AccessKey=c", "AccessKey=d")
    refused = pubsub("publish", "x", "--hub", hub, "--connection-string", wrong_key)
    assert refused.status == 77
    assert "refused the request (401)" in refused.stderr
    assert wrong_key.split("AccessKey=")[1].split(";")[0] not in refused.stderr

    wrong_path = service.connection_string.replace(f":{service.port};", f":{service.port}/nowhere;")
    missing = pubsub("publish", "x", "--hub", hub, "--connection-string", wrong_path)
    assert missing.status == 67
    assert "(404)" in missing.stderr

    unreachable = pubsub("publish", "x", "--hub", hub, "--connection-string", "Endpoint=http://127.0.0.1:9;AccessKey=k;Version=1.0;")
    assert unreachable.status == 69
    assert "connection refused" in unreachable.stderr


class _Failing(http.server.BaseHTTPRequestHandler):
    attempts = 0

    def do_POST(self):
        type(self).attempts += 1
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        body = b'{"code":"ServiceUnavailable","message":"try later"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_server_errors_are_retried_then_reported(pubsub):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        result = pubsub("publish", "x", "--hub", "h", "--connection-string", f"Endpoint=http://127.0.0.1:{port};AccessKey=k;Version=1.0;")
        assert result.status == 70
        assert "failed the request (503): try later (after 4 attempts)" in result.stderr
        assert _Failing.attempts == 4
    finally:
        server.shutdown()
