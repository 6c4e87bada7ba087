"""The local service (`pubsub serve`) driven by Microsoft's official Python SDKs.

azure-messaging-webpubsubservice exercises the REST data plane; azure-messaging-webpubsubclient
exercises the reliable JSON client protocol, including recovery when a TCP proxy cuts the
transport mid-stream.
"""

import threading

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.messaging.webpubsubclient import WebPubSubClient
from azure.messaging.webpubsubclient.models import CallbackType, SendMessageError, WebPubSubDataType, WebPubSubProtocolType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from sdk_helpers import Recorder, hub_name, make_client
from tcp_proxy import TCPProxy

@pytest.fixture
def hub():
    return hub_name()


@pytest.fixture
def rest(service, hub):
    return WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)


def test_client_lifecycle_join_send_and_receive(service, hub, rest):
    client, events = make_client(service, hub, user="alice")
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    connected = events.of(CallbackType.CONNECTED)[0]
    assert connected.user_id == "alice"
    assert rest.connection_exists(connected.connection_id)
    assert rest.user_exists("alice")

    client.join_group("room1")
    assert rest.group_exists("room1")
    client.send_to_group("room1", "hello", WebPubSubDataType.TEXT)
    client.send_to_group("room1", {"n": [1, 2]}, WebPubSubDataType.JSON)
    events.wait_count(CallbackType.GROUP_MESSAGE, 2)
    received = events.of(CallbackType.GROUP_MESSAGE)
    assert [(m.group, m.data, m.from_user_id) for m in received] == [("room1", "hello", "alice"), ("room1", {"n": [1, 2]}, "alice")]

    rest.send_to_all("Hello World", content_type="text/plain")
    rest.send_to_all({"k": "v"}, content_type="application/json")
    rest.send_to_all(b"\x00\x01\xfe\xff", content_type="application/octet-stream")
    events.wait_count(CallbackType.SERVER_MESSAGE, 3)
    assert events.messages(CallbackType.SERVER_MESSAGE)[:2] == ["Hello World", {"k": "v"}]
    assert bytes(events.messages(CallbackType.SERVER_MESSAGE)[2]) == b"\x00\x01\xfe\xff"

    client.close()
    events.wait_count(CallbackType.STOPPED, 1)
    assert len(events.of(CallbackType.DISCONNECTED)) == 1


def test_no_echo_and_forbidden_send(service, hub, rest):
    sender, sender_events = make_client(service, hub, user="s", roles=["webpubsub.joinLeaveGroup.g", "webpubsub.sendToGroup.g"])
    receiver, receiver_events = make_client(service, hub, user="r", roles=["webpubsub.joinLeaveGroup.g"])
    sender.open()
    receiver.open()
    sender.join_group("g")
    receiver.join_group("g")
    sender.send_to_group("g", "no echo", WebPubSubDataType.TEXT, no_echo=True)
    receiver_events.wait_count(CallbackType.GROUP_MESSAGE, 1)
    assert receiver_events.messages() == ["no echo"]
    with pytest.raises(SendMessageError) as refused:
        receiver.send_to_group("g", "not allowed", WebPubSubDataType.TEXT)
    assert refused.value.error_detail.name == "Forbidden"
    with pytest.raises(SendMessageError) as outside:
        sender.join_group("other")
    assert outside.value.error_detail.name == "Forbidden"
    # The sender saw nothing of its own message; a later REST message proves delivery order.
    rest.send_to_group("g", "marker", content_type="text/plain")
    sender_events.wait_count(CallbackType.GROUP_MESSAGE, 1)
    assert sender_events.messages() == ["marker"]
    sender.close()
    receiver.close()


def test_rest_targets_excluded_and_filter(service, hub, rest):
    clients = {}
    for user in ("u1", "u2", "u3"):
        client, events = make_client(service, hub, user=user)
        client.open()
        events.wait_count(CallbackType.CONNECTED, 1)
        clients[user] = (client, events, events.of(CallbackType.CONNECTED)[0].connection_id)
    ids = {user: value[2] for user, value in clients.items()}

    rest.send_to_user("u2", "to u2", content_type="text/plain")
    rest.send_to_connection(ids["u3"], "to u3", content_type="text/plain")
    rest.send_to_all("not u1", content_type="text/plain", excluded=[ids["u1"]])
    rest.send_to_all("only u1 by filter", content_type="text/plain", filter="userId eq 'u1'")
    rest.add_connection_to_group("grp", ids["u1"])
    rest.add_user_to_group("grp", "u2")
    rest.send_to_group("grp", "grp minus u2", content_type="text/plain", excluded=[ids["u2"]])
    rest.send_to_all("in grp and not u1", content_type="text/plain", filter="'grp' in groups and not (userId eq 'u1')")

    expected = {
        "u1": ["not u1"] if False else ["only u1 by filter", "grp minus u2"],
        "u2": ["to u2", "not u1", "in grp and not u1"],
        "u3": ["to u3", "not u1"],
    }
    for user, (client, events, _) in clients.items():
        total = len(expected[user])
        events.wait_for(lambda: len(events.of(CallbackType.SERVER_MESSAGE)) + len(events.of(CallbackType.GROUP_MESSAGE)) >= total, f"{total} messages for {user}")
        ordered = [event.data for kind, event in events.events if kind in (CallbackType.SERVER_MESSAGE, CallbackType.GROUP_MESSAGE)]
        assert ordered == expected[user], user

    with pytest.raises(HttpResponseError) as bad_filter:
        rest.send_to_all("x", content_type="text/plain", filter="not length(userId)")
    assert bad_filter.value.status_code == 400
    for client, _, _ in clients.values():
        client.close()


def test_group_and_user_membership_operations(service, hub, rest):
    client, events = make_client(service, hub, user="m")
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    cid = events.of(CallbackType.CONNECTED)[0].connection_id

    assert not rest.group_exists("a")
    rest.add_connection_to_group("a", cid)
    rest.add_connection_to_group("b", cid)
    assert rest.group_exists("a") and rest.group_exists("b")
    assert [(m.connection_id, m.user_id) for m in rest.list_connections(group="a")] == [(cid, "m")]
    rest.remove_connection_from_group("a", cid)
    assert not rest.group_exists("a")
    rest.remove_connection_from_all_groups(cid)
    assert not rest.group_exists("b")

    rest.add_user_to_group("c", "m")
    assert rest.group_exists("c")
    rest.remove_user_from_group("c", "m")
    assert not rest.group_exists("c")
    rest.add_user_to_group("d", "m")
    rest.add_user_to_group("e", "m")
    rest.remove_user_from_all_groups("m")
    assert not rest.group_exists("d") and not rest.group_exists("e")

    assert not rest.connection_exists("no-such-connection")
    assert not rest.user_exists("nobody")
    client.close()


def test_adding_a_user_without_connections_to_a_group_is_404_and_joins_no_later_connection(service, hub, rest):
    # Azure answers 404 (the service SDK's recorded test_add_user_to_group_not_found): a group holds
    # connections, and a user with none has nothing to add.
    with pytest.raises(ResourceNotFoundError):
        rest.add_user_to_group("later", "nobody-yet")
    client, events = make_client(service, hub, user="nobody-yet")
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    assert not rest.group_exists("later")
    rest.add_user_to_group("now", "nobody-yet")
    assert [m.user_id for m in rest.list_connections(group="now")] == ["nobody-yet"]
    # Membership is the connections': the user's next connection starts in no group.
    again, again_events = make_client(service, hub, user="nobody-yet")
    again.open()
    again_events.wait_count(CallbackType.CONNECTED, 1)
    later_id = again_events.of(CallbackType.CONNECTED)[0].connection_id
    assert later_id not in [m.connection_id for m in rest.list_connections(group="now")]
    client.close()
    again.close()


def test_list_connections_pages(service, hub, rest):
    clients = []
    for index in range(5):
        client, events = make_client(service, hub, user=f"p{index}")
        client.open()
        events.wait_count(CallbackType.CONNECTED, 1)
        rest.add_connection_to_group("paged", events.of(CallbackType.CONNECTED)[0].connection_id)
        clients.append(client)
    members = list(rest.list_connections(group="paged", maxpagesize=2))
    assert sorted(m.user_id for m in members) == [f"p{i}" for i in range(5)]
    assert len(list(rest.list_connections(group="paged", top=3))) == 3
    for client in clients:
        client.close()


def test_permissions(service, hub, rest):
    client, events = make_client(service, hub, user="perm", roles=[])
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    cid = events.of(CallbackType.CONNECTED)[0].connection_id

    assert not rest.has_permission("joinLeaveGroup", cid, target_name="room")
    with pytest.raises(SendMessageError):
        client.join_group("room")
    rest.grant_permission("joinLeaveGroup", cid, target_name="room")
    assert rest.has_permission("joinLeaveGroup", cid, target_name="room")
    client.join_group("room")
    rest.grant_permission("sendToGroup", cid, target_name="room")
    client.send_to_group("room", "granted", WebPubSubDataType.TEXT)
    events.wait_count(CallbackType.GROUP_MESSAGE, 1)
    rest.revoke_permission("sendToGroup", cid, target_name="room")
    assert not rest.has_permission("sendToGroup", cid, target_name="room")
    with pytest.raises(SendMessageError):
        client.send_to_group("room", "revoked", WebPubSubDataType.TEXT)
    client.close()


def test_close_connections_with_reason(service, hub, rest):
    client, events = make_client(service, hub, user="c", reconnect_retry_total=0)
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    cid = events.of(CallbackType.CONNECTED)[0].connection_id
    rest.close_connection(cid, reason="bye now")
    events.wait_count(CallbackType.DISCONNECTED, 1)
    assert events.of(CallbackType.DISCONNECTED)[0].message == "bye now"
    assert not rest.connection_exists(cid)

    others = []
    for user in ("x", "y"):
        other, other_events = make_client(service, hub, user=user, reconnect_retry_total=0)
        other.open()
        other_events.wait_count(CallbackType.CONNECTED, 1)
        others.append((other, other_events))
    rest.close_user_connections("x", reason="user closed")
    others[0][1].wait_count(CallbackType.DISCONNECTED, 1)
    assert rest.user_exists("y")
    rest.close_all_connections(reason="all closed")
    others[1][1].wait_count(CallbackType.DISCONNECTED, 1)
    assert not rest.user_exists("y")
    for other, _ in others:
        other.close()
    client.close()


def test_close_group_connections_and_auto_rejoin(service, hub, rest):
    client, events = make_client(service, hub, user="rj")
    client.open()
    client.join_group("keep")
    events.wait_count(CallbackType.CONNECTED, 1)
    first = events.of(CallbackType.CONNECTED)[0].connection_id
    rest.close_group_connections("keep", reason="maintenance")
    events.wait_count(CallbackType.CONNECTED, 2)
    second = events.of(CallbackType.CONNECTED)[1].connection_id
    assert second != first
    # The client rejoins on its own; a group message proves it is back in the group.
    events.wait_for(lambda: rest.group_exists("keep"), "the client to rejoin 'keep'")
    rest.send_to_group("keep", "after rejoin", content_type="text/plain")
    events.wait_count(CallbackType.GROUP_MESSAGE, 1)
    assert events.messages() == ["after rejoin"]
    client.close()


def test_generate_token_operation(service, hub, rest):
    from azure.messaging.webpubsubservice._operations._operations import WebPubSubServiceClientOperationsMixin as Generated

    answer = Generated.get_client_access_token(rest, user_id="gen", roles=["webpubsub.joinLeaveGroup"], minutes_to_expire=5, groups=["g1"])
    url = f"ws://localhost:{service.port}/client/hubs/{hub}?access_token={answer['token']}"
    client = WebPubSubClient(url)
    events = Recorder(client)
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    assert events.of(CallbackType.CONNECTED)[0].user_id == "gen"
    assert rest.group_exists("g1")
    client.close()


def test_recovery_when_the_transport_is_cut_mid_stream(service, hub, rest):
    proxy = TCPProxy(service.port)
    try:
        client, events = make_client(service, hub, user="rec", url_port=proxy.port)
        client.open()
        client.join_group("stream")
        events.wait_count(CallbackType.CONNECTED, 1)
        connection_id = events.of(CallbackType.CONNECTED)[0].connection_id
        total = 300

        def publish():
            for index in range(total):
                rest.send_to_group("stream", str(index), content_type="text/plain")
                if index == total // 3:
                    proxy.cut()

        publisher = threading.Thread(target=publish)
        publisher.start()
        publisher.join(timeout=60)
        events.wait_count(CallbackType.GROUP_MESSAGE, total, timeout=45)
        received = events.messages()
        assert received == [str(i) for i in range(total)], "none lost, none duplicated, order kept"
        assert proxy.accepted >= 2, "the transport was really cut and recovered"
        assert len(events.of(CallbackType.CONNECTED)) == 1, "recovery keeps the connection"
        assert rest.connection_exists(connection_id)
        client.close()
    finally:
        proxy.close()


def test_json_subprotocol_without_reliability(service, hub, rest):
    client, events = make_client(service, hub, user="plain", protocol_type=WebPubSubProtocolType.JSON)
    client.open()
    client.join_group("j")
    client.send_to_group("j", {"ok": True}, WebPubSubDataType.JSON)
    events.wait_count(CallbackType.GROUP_MESSAGE, 1)
    assert events.messages() == [{"ok": True}]
    client.close()
