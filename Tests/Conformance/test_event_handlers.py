"""Event handlers (§8): `pubsub serve --event-handler` calls a real upstream HTTP server started by
the test, as Azure Web PubSub calls an app's event handler. Clients are Microsoft's SDK client or a
plain WebSocket where the wire itself is checked."""

import base64
import json
import secrets
import socket
from datetime import datetime

import pytest
import websocket
from azure.messaging.webpubsubclient import WebPubSubClient, WebPubSubClientCredential
from azure.messaging.webpubsubclient.models import CallbackType, SendMessageError, WebPubSubDataType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import LocalService, _binary
from event_upstream import Answer, Upstream, service_with_handler, signature
from sdk_helpers import WAIT, Recorder, hub_name
from test_trace import Trace

KEY = secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def upstream():
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def handled(upstream):
    """The service with every system event and every user event going to the upstream."""
    with service_with_handler(KEY, f"*={upstream.template} user=* system=connect,connected,disconnected") as local:
        yield local


def service_client(service, hub):
    return WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)


def raw_socket(service, hub, user=None, roles=(), subprotocol="json.webpubsub.azure.v1", query=""):
    url = service_client(service, hub).get_client_access_token(user_id=user, roles=list(roles))["url"] + query
    return websocket.create_connection(url, subprotocols=[subprotocol] if subprotocol else None, timeout=WAIT)


def next_json(socket):
    return json.loads(socket.recv())


def test_connect_event_carries_the_cloudevents_headers_and_the_handshake(handled, upstream):
    hub = "Chat" + hub_name()
    socket = raw_socket(handled, hub, user="alice", roles=["webpubsub.joinLeaveGroup.a"], query="&extra=1&extra=2")
    connected = next_json(socket)
    connection_id = connected["connectionId"]
    socket.close()

    validation = upstream.wait_for(hub, "validate", method="OPTIONS")[0]
    assert validation.headers["webhook-request-origin"] == f"localhost:{handled.port}"
    assert validation.headers["ce-awpsversion"] == "1.0"
    assert validation.path == f"/{hub.lower()}/validate"

    connect = upstream.wait_for(hub, "connect")[0]
    headers = connect.headers
    assert connect.path == f"/{hub.lower()}/connect"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-awpsversion"] == "1.0"
    assert headers["ce-type"] == "azure.webpubsub.sys.connect"
    assert headers["ce-source"] == f"/hubs/{hub.lower()}/client/{connection_id}"
    assert headers["ce-hub"] == hub.lower()
    assert headers["ce-connectionid"] == connection_id
    assert headers["ce-userid"] == "alice"
    assert headers["ce-eventname"] == "connect"
    assert headers["ce-id"]
    assert datetime.fromisoformat(headers["ce-time"].replace("Z", "+00:00")).tzinfo is not None
    assert headers["webhook-request-origin"] == f"localhost:{handled.port}"
    assert headers["ce-signature"] == signature(KEY, connection_id)
    assert "ce-subprotocol" not in headers
    assert headers["content-type"].startswith("application/json")

    body = connect.json()
    assert body["claims"]["sub"] == ["alice"]
    assert body["claims"]["role"] == ["webpubsub.joinLeaveGroup.a"]
    assert body["query"]["extra"] == ["1", "2"]
    assert "access_token" not in body["query"]
    assert "Authorization" not in body["headers"]
    assert any(name.lower() == "sec-websocket-protocol" for name in body["headers"])
    assert body["subprotocols"] == ["json.webpubsub.azure.v1"]

    # connected after the handshake, disconnected when the session ends, both with the subprotocol.
    connected_event = upstream.wait_for(hub, "connected")[0]
    assert connected_event.headers["ce-type"] == "azure.webpubsub.sys.connected"
    assert connected_event.headers["ce-subprotocol"] == "json.webpubsub.azure.v1"
    assert connected_event.json() == {}
    disconnected = upstream.wait_for(hub, "disconnected")[0]
    assert disconnected.headers["ce-type"] == "azure.webpubsub.sys.disconnected"
    assert disconnected.headers["ce-connectionid"] == connection_id
    assert "closed by the client" in disconnected.json()["reason"]
    order = [r.event for r in upstream.requests(hub)]
    assert order == ["connect", "connected", "disconnected"], order


def test_connect_answer_sets_user_groups_roles_and_state(handled, upstream):
    hub = hub_name()
    upstream.on(hub, "connect", lambda r: Answer(
        200,
        json.dumps({"userId": "carol", "groups": ["room"], "roles": ["webpubsub.sendToGroup.room"]}).encode(),
        "application/json",
        {"ce-connectionState": "c3RhdGUtMQ=="},
    ))
    upstream.on(hub, "hello", lambda r: Answer(
        200, json.dumps({"seen": r.json(), "state": r.headers.get("ce-connectionstate")}).encode(), "application/json",
        {"ce-connectionState": "c3RhdGUtMg=="},
    ))
    socket = raw_socket(handled, hub, user="alice")
    connected = next_json(socket)
    assert connected["userId"] == "carol"

    # The handler's group was joined and its role granted: the client's own send comes back to it.
    socket.send(json.dumps({"type": "sendToGroup", "group": "room", "dataType": "text", "data": "hi", "ackId": 1}))
    frames = [next_json(socket), next_json(socket)]
    assert {"type": "ack", "ackId": 1, "success": True} in frames
    assert {"type": "message", "from": "group", "group": "room", "fromUserId": "carol", "dataType": "text", "data": "hi"} in frames

    socket.send(json.dumps({"type": "event", "event": "hello", "dataType": "json", "data": {"n": 1}, "ackId": 2}))
    assert next_json(socket) == {
        "type": "message", "from": "server", "dataType": "json", "data": {"seen": {"n": 1}, "state": "c3RhdGUtMQ=="},
    }
    assert next_json(socket) == {"type": "ack", "ackId": 2, "success": True}
    socket.send(json.dumps({"type": "event", "event": "hello", "dataType": "json", "data": {"n": 2}, "ackId": 3}))
    assert next_json(socket)["data"]["state"] == "c3RhdGUtMg=="
    assert next_json(socket) == {"type": "ack", "ackId": 3, "success": True}

    event = upstream.wait_for(hub, "hello")[0]
    assert event.headers["ce-type"] == "azure.webpubsub.user.hello"
    assert event.headers["ce-userid"] == "carol"
    assert event.headers["ce-subprotocol"] == "json.webpubsub.azure.v1"
    assert event.headers["content-type"].startswith("application/json")
    socket.close()


@pytest.mark.parametrize("status", [401, 403])
def test_connect_refused_by_the_handler(handled, upstream, status):
    hub = hub_name()
    upstream.on(hub, "connect", lambda r: Answer(status, b"not you", "text/plain"))
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        raw_socket(handled, hub, user="mallory")
    assert refused.value.status_code == status
    assert b"not you" in refused.value.resp_body

    # Microsoft's client sees the refusal too.
    client = WebPubSubClient(WebPubSubClientCredential(
        lambda: service_client(handled, hub).get_client_access_token(user_id="mallory")["url"]
    ))
    with pytest.raises(Exception):
        client.open()
    assert upstream.requests(hub, "connected") == []


def test_user_event_with_the_sdk_client_and_an_error_ack(handled, upstream):
    hub = hub_name()
    upstream.on(hub, "echo", lambda r: Answer(200, r.body, r.headers["content-type"]))
    upstream.on(hub, "broken", lambda r: Answer(500, b"database down", "text/plain"))
    client = WebPubSubClient(WebPubSubClientCredential(
        lambda: service_client(handled, hub).get_client_access_token(user_id="dave")["url"]
    ))
    events = Recorder(client)
    with client:
        client.send_event("echo", "Hello World", WebPubSubDataType.TEXT)
        client.send_event("echo", {"k": [1, 2]}, WebPubSubDataType.JSON)
        client.send_event("echo", memoryview(b"\x00\x01\xfe"), WebPubSubDataType.BINARY)
        events.wait_count(CallbackType.SERVER_MESSAGE, 3)
        received = events.messages(CallbackType.SERVER_MESSAGE)
        assert "Hello World" in received
        assert {"k": [1, 2]} in received
        assert any(isinstance(m, (bytes, bytearray, memoryview)) and bytes(m) == b"\x00\x01\xfe" for m in received)
        with pytest.raises(SendMessageError) as failed:
            client.send_event("broken", "x", WebPubSubDataType.TEXT)
        assert failed.value.error_detail.name == "InternalServerError"
        assert "500" in failed.value.error_detail.message

    bodies = {r.headers["content-type"].split(";")[0]: r.body for r in upstream.requests(hub, "echo")}
    # JSON reaches the handler as the SDK wrote it in its frame (its own spacing), not re-encoded.
    assert json.loads(bodies.pop("application/json")) == {"k": [1, 2]}
    assert bodies == {"text/plain": b"Hello World", "application/octet-stream": b"\x00\x01\xfe"}


def test_events_of_a_connection_wait_for_the_previous_answer(handled, upstream):
    hub = hub_name()
    gate = upstream.gate()
    upstream.on(hub, "slow", lambda r: Answer(200, b"done", "text/plain", wait=gate))
    socket = raw_socket(handled, hub, user="erin", roles=["webpubsub.joinLeaveGroup"])
    next_json(socket)
    socket.send(json.dumps({"type": "event", "event": "slow", "dataType": "text", "data": "a", "ackId": 1}))
    # More than the 64 messages the service holds before it stops reading the socket.
    for ack_id in range(2, 202):
        socket.send(json.dumps({"type": "joinGroup", "group": f"g{ack_id}", "ackId": ack_id}))
    upstream.wait_for(hub, "slow")
    gate.set()
    frames = [next_json(socket) for _ in range(202)]
    assert frames[:2] == [
        {"type": "message", "from": "server", "dataType": "text", "data": "done"},
        {"type": "ack", "ackId": 1, "success": True},
    ]
    assert frames[2:] == [{"type": "ack", "ackId": n, "success": True} for n in range(2, 202)]
    socket.close()


def test_connected_and_disconnected_never_delay_the_client(handled, upstream):
    hub = hub_name()
    gate = upstream.gate()
    upstream.on(hub, "connected", lambda r: Answer(204, wait=gate))
    socket = raw_socket(handled, hub, user="frank", roles=["webpubsub.joinLeaveGroup"])
    assert next_json(socket)["event"] == "connected"
    upstream.wait_for(hub, "connected")  # the handler is holding the connected event now
    socket.send(json.dumps({"type": "joinGroup", "group": "g", "ackId": 1}))
    assert next_json(socket) == {"type": "ack", "ackId": 1, "success": True}
    socket.close()
    assert upstream.requests(hub, "disconnected") == []  # waits for connected's answer
    gate.set()
    disconnected = upstream.wait_for(hub, "disconnected")[0]
    assert disconnected.headers["ce-userid"] == "frank"


def test_simple_client_frames_are_message_events(handled, upstream):
    hub = hub_name()
    upstream.on(hub, "message", lambda r: Answer(
        200, b"echo: " + r.body if r.headers["content-type"].startswith("text/") else r.body[::-1], r.headers["content-type"]
    ))
    socket = raw_socket(handled, hub, user="gina", subprotocol=None)
    socket.send("hello")
    assert socket.recv() == "echo: hello"
    socket.send_binary(b"\x01\x02\x03")
    assert socket.recv() == b"\x03\x02\x01"
    socket.close()
    first = upstream.wait_for(hub, "message")[0]
    assert first.headers["ce-type"] == "azure.webpubsub.user.message"
    assert first.headers["content-type"].startswith("text/plain")
    assert "ce-subprotocol" not in first.headers


def test_a_handler_without_the_allowed_origin_is_never_called():
    refusing = Upstream(allowed_origin=None)
    local = LocalService(_binary(), "--event-handler", f"*={refusing.template} system=connect")
    hub = hub_name()
    trace = Trace(local.connection_string, "--hub", hub)
    try:
        trace.wait_tracing()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            raw_socket(local, hub, user="x")
        assert refused.value.status_code == 502
        assert b"WebHook-Allowed-Origin" in refused.value.resp_body
        assert len(refusing.requests(hub, method="OPTIONS")) == 1
        assert refusing.requests(hub) == []
        # `pubsub trace` says why: the check, its status, and that the handler is not allowed.
        trace.wait_records(lambda rs: any(r["kind"] == "event-handler" for r in rs), "the abuse-protection check")
        check = next(r for r in trace.records() if r["kind"] == "event-handler")
        assert check["event"] == "validate" and check["status"] == 200 and check["allowed"] is False
        assert check["origin"] == f"localhost:{local.port}"
        assert "WebHook-Allowed-Origin" in check["error"]
    finally:
        trace.stop()
        status = local.stop()
        refusing.stop()
    log = local.process.stderr.read()
    assert status == 0
    assert "is not called" in log and "WebHook-Allowed-Origin" in log


def test_an_unreachable_handler_refuses_the_handshake_at_once():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    local = LocalService(_binary(), "--event-handler", f"*=http://127.0.0.1:{port}/{{event}} system=connect")
    try:
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            raw_socket(local, hub_name(), user="x")
        assert refused.value.status_code == 502
        assert b"is unreachable" in refused.value.resp_body and b"is the app server running?" in refused.value.resp_body
    finally:
        assert local.stop() == 0


def test_a_slow_connect_handler_refuses_the_handshake_with_a_reason():
    slow = Upstream()
    local = LocalService(_binary(), "--event-handler-timeout", "1s", "--event-handler", f"*={slow.template} system=connect")
    try:
        hub = hub_name()
        slow.on(hub, "connect", lambda r: Answer(204, wait=slow.gate()))
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            raw_socket(local, hub, user="x")
        assert refused.value.status_code == 504
        assert b"did not answer within 1 s" in refused.value.resp_body
    finally:
        slow.stop()
        assert local.stop() == 0


def test_serve_refuses_a_bad_event_handler_spec(pubsub):
    run = pubsub("serve", "--port", "0", "--event-handler", "chat=ftp://x/{event}")
    assert run.status == 64
    assert "is not an http:// or https:// URL" in run.stderr
    run = pubsub("serve", "--port", "0", "--event-handler", "chat=http://localhost/{event} system=connecting")
    assert run.status == 64
    assert '"connecting" is not a system event' in run.stderr


def test_a_role_from_the_connect_handler_admits_a_simple_sender(handled, upstream):
    hub = hub_name()
    query = "&webpubsub_mode=sendToGroup&group=room"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        raw_socket(handled, hub, user="hal", subprotocol=None, query=query)
    assert refused.value.status_code == 403

    upstream.on(hub, "connect", lambda r: Answer(
        200, json.dumps({"roles": ["webpubsub.sendToGroup.room"]}).encode(), "application/json"
    ))
    listener = raw_socket(handled, hub, user="ivy", roles=["webpubsub.joinLeaveGroup"])
    next_json(listener)
    listener.send(json.dumps({"type": "joinGroup", "group": "room", "ackId": 1}))
    assert next_json(listener)["success"] is True
    sender = raw_socket(handled, hub, user="hal", subprotocol=None, query=query)
    sender.send("from a simple client")
    assert next_json(listener) == {
        "type": "message", "from": "group", "group": "room", "fromUserId": "hal", "dataType": "text", "data": "from a simple client",
    }
    sender.close()
    listener.close()


def test_an_event_name_a_header_cannot_carry_fails_the_event_not_the_service(handled, upstream):
    hub = hub_name()
    socket = raw_socket(handled, hub, user="kim")
    next_json(socket)
    socket.send(json.dumps({"type": "event", "event": "bad\nname", "dataType": "text", "data": "x", "ackId": 1}))
    ack = next_json(socket)
    assert ack["ackId"] == 1 and ack["success"] is False
    assert ack["error"]["name"] == "InternalServerError"
    assert "control characters" in ack["error"]["message"]
    socket.send(json.dumps({"type": "event", "event": "fine", "dataType": "text", "data": "x", "ackId": 2}))
    assert next_json(socket) == {"type": "ack", "ackId": 2, "success": True}
    socket.close()
    assert [r.event for r in upstream.requests(hub) if r.event.startswith("bad")] == []
