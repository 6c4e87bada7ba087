"""`pubsub trace` against the live service: the built binary reads the trace while Microsoft's SDKs
(and a raw WebSocket) run a scripted session. The unfiltered trace is the ground truth each filter
is checked against."""

import contextlib
import json
import os
import pty
import signal
import subprocess
import time
import urllib.error
import urllib.request

import jwt

import pytest
import websocket
from azure.messaging.webpubsubclient.models import CallbackType, WebPubSubDataType, WebPubSubProtocolType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import LocalService, _binary
from sdk_helpers import hub_name, make_client
from subscription import Subscription
from tcp_proxy import TCPProxy

JSON = WebPubSubProtocolType.JSON


class Trace(Subscription):
    """`pubsub trace --format json …` as a child process."""

    def __init__(self, connection_string, *args, env=None):
        super().__init__("--format", "json", *args, connection_string=connection_string, verb="trace", env=env)

    def wait_tracing(self):
        self.wait_for(lambda: any("pubsub: tracing" in e for e in self.errors), "the trace to open")

    def records(self):
        with self.condition:
            return [json.loads(line) for line in self.lines]

    def wait_records(self, predicate, what, timeout=20):
        self.wait_for(lambda: predicate([json.loads(line) for line in self.lines]), what, timeout)


def refused_websocket(port, hub):
    """A WebSocket upgrade with a bad token; returns the HTTP status the service answered."""
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"ws://127.0.0.1:{port}/client/hubs/{hub}?access_token=not-a-token", timeout=10)
    return refused.value.status_code


def strip(record):
    """A record without what differs between runs (id, time, latency, duration)."""
    return {k: v for k, v in record.items() if k not in ("id", "time", "latencyMs", "durationMs")}


def test_a_scripted_session_is_traced_in_order(service):
    hub = hub_name()
    trace = Trace(service.connection_string, "--hub", hub)
    try:
        trace.wait_tracing()
        rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
        client, recorder = make_client(service, hub, user="alice", protocol_type=JSON)
        client.open()
        client.join_group("g")
        client.send_to_group("g", "hello", WebPubSubDataType.TEXT)
        recorder.wait_count(CallbackType.GROUP_MESSAGE, 1)
        rest.send_to_group("g", "from rest", content_type="text/plain")
        recorder.wait_count(CallbackType.GROUP_MESSAGE, 2)
        assert refused_websocket(service.port, hub) == 401
        client.close()
        trace.wait_records(lambda rs: any(r["kind"] == "disconnected" for r in rs), "the disconnect")

        records = trace.records()
        ids = [r["id"] for r in records]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        connection = records[0]["connectionId"]
        ack_ids = [r["ackId"] for r in records if r["kind"] == "ack"]
        assert len(ack_ids) == 2 and ack_ids[0] != ack_ids[1]
        who = {"hub": hub, "connectionId": connection, "userId": "alice"}
        assert [strip(r) for r in records] == [
            {"kind": "connected", **who, "subprotocol": "json.webpubsub.azure.v1"},
            {"kind": "join", **who, "group": "g", "via": "client", "ackId": ack_ids[0]},
            {"kind": "ack", **who, "ackId": ack_ids[0], "success": True},
            {"kind": "request", **who, "group": "g", "type": "sendToGroup", "ackId": ack_ids[1], "dataType": "text", "size": 5},
            {"kind": "publish", **who, "group": "g", "from": "client", "to": "group", "dataType": "text", "size": 5, "recipients": 1},
            {"kind": "ack", **who, "ackId": ack_ids[1], "success": True},
            {"kind": "publish", "hub": hub, "group": "g", "from": "rest", "to": "group", "dataType": "text", "size": 9, "recipients": 1},
            {
                "kind": "rest", "hub": hub, "group": "g", "method": "POST", "path": f"/api/hubs/{hub}/groups/g/:send",
                "status": 202, "recipients": 1,
            },
            {
                "kind": "refused", "hub": hub, "status": 401, "path": f"/client/hubs/{hub}",
                "reason": records[8]["reason"],
            },
            {"kind": "disconnected", **who, "code": 1000, "reason": "closed by the client with 1000"},
        ]
        assert records[8]["reason"].startswith("access token refused: ")
        assert all(isinstance(r["latencyMs"], (int, float)) for r in records if r["kind"] == "rest")
        assert records[-1]["durationMs"] > 0
    finally:
        trace.stop()


def test_each_filter_selects_exactly_its_events(service):
    hub, other = hub_name(), hub_name()
    everything = Trace(service.connection_string)
    everything.wait_tracing()
    rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
    alice, alice_events = make_client(service, hub, user="alice", protocol_type=JSON)
    bob, bob_events = make_client(service, hub, user="bob", protocol_type=JSON)
    stranger, _ = make_client(service, other, user="alice", protocol_type=JSON)
    traces = {}
    try:
        alice.open()
        bob.open()
        for events in (alice_events, bob_events):
            events.wait_count(CallbackType.CONNECTED, 1)
        alice_id, bob_id = (events.of(CallbackType.CONNECTED)[0].connection_id for events in (alice_events, bob_events))
        filters = {
            ("--hub", hub): lambda r: r.get("hub") == hub,
            ("--group", "a"): lambda r: r.get("group") == "a" or "a" in r.get("groups", []),
            ("--user", "bob"): lambda r: r.get("userId") == "bob",
            ("--connection", alice_id): lambda r: r.get("connectionId") == alice_id,
            ("--kind", "publish,rest"): lambda r: r["kind"] in ("publish", "rest"),
            ("--hub", hub, "--group", "a", "--group", "b", "--kind", "join"): lambda r: (
                r.get("hub") == hub and r.get("group") in ("a", "b") and r["kind"] == "join"
            ),
        }
        for args in filters:
            traces[args] = Trace(service.connection_string, *args)
        deliveries = traces["deliveries"] = Trace(service.connection_string, "--hub", hub, "--deliveries", "--kind", "deliver")
        for trace in traces.values():
            trace.wait_tracing()
        start = everything.records()[-1]["id"]

        alice.join_group("a")
        bob.join_group("b")
        bob.join_group("a")
        alice.send_to_group("a", "to a", WebPubSubDataType.TEXT)
        bob.send_to_group("b", {"n": 1}, WebPubSubDataType.JSON)
        rest.send_to_group("b", "rest to b", content_type="text/plain")
        rest.send_to_user("alice", "rest to alice", content_type="text/plain")
        rest.send_to_all("rest to all", content_type="text/plain")
        alice_events.wait_count(CallbackType.SERVER_MESSAGE, 2)
        bob_events.wait_count(CallbackType.GROUP_MESSAGE, 3)
        stranger.open()
        stranger.join_group("a")
        stranger.close()
        assert refused_websocket(service.port, hub) == 401
        bob.close()
        everything.wait_records(lambda rs: sum(r["kind"] == "disconnected" for r in rs) >= 2, "both disconnects")

        truth = [r for r in everything.records() if r["id"] > start]
        assert not [r for r in truth if r["kind"] == "deliver"], "per-delivery records only when asked for"
        for args, selects in filters.items():
            expected = [r["id"] for r in truth if selects(r)]
            assert expected, f"the script makes no event for {args}"
            traces[args].wait_records(lambda rs, n=len(expected): len([r for r in rs if r["id"] > start]) >= n, f"{args}")
            got = [r["id"] for r in traces[args].records() if r["id"] > start]
            assert got == expected, f"{args}: {len(got)} events, expected {len(expected)}"
        # alice's "to a" reached alice and bob; bob's JSON to b reached bob; each REST send its recipients.
        expected = [(alice_id, "a"), (bob_id, "a"), (bob_id, "b"), (bob_id, "b"), (alice_id, None), (alice_id, None), (bob_id, None)]
        deliveries.wait_records(lambda rs: len(rs) >= len(expected), "the deliveries")
        assert all(r["kind"] == "deliver" for r in deliveries.records())
        assert sorted(((r["connectionId"], r.get("group")) for r in deliveries.records()), key=str) == sorted(expected, key=str)
    finally:
        for trace in [everything, *traces.values()]:
            trace.stop()
        alice.close()


def test_payloads_only_when_asked_and_cut_at_the_limit(service):
    hub = hub_name()
    plain = Trace(service.connection_string, "--hub", hub, "--kind", "publish")
    bodies = Trace(service.connection_string, "--hub", hub, "--kind", "publish", "--payload", "--max-payload", "7")
    try:
        plain.wait_tracing()
        bodies.wait_tracing()
        rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
        rest.send_to_all("héllo wörld", content_type="text/plain")
        rest.send_to_all(b"\x00\x01\x02", content_type="application/octet-stream")
        bodies.wait_records(lambda rs: len(rs) == 2, "two publishes")
        plain.wait_records(lambda rs: len(rs) == 2, "two publishes")
        assert all("payload" not in r for r in plain.records())
        text, binary = bodies.records()
        # 7 bytes of UTF-8 end inside "ö": the cut falls back to the character boundary.
        assert text["payload"] == {"dataType": "text", "data": "héllo ", "truncated": True}
        assert binary["payload"] == {"dataType": "binary", "data": "AAEC", "truncated": False}
    finally:
        plain.stop()
        bodies.stop()


def run_on_a_terminal(arguments, env, until):
    """Runs `pubsub trace` with its stdout on a pseudo-terminal; returns what it wrote there once
    `until` (called with nothing) has caused a line."""
    main, secondary = pty.openpty()
    process = subprocess.Popen([str(_binary()), "trace", *arguments], stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    try:
        ready = process.stderr.readline().decode()
        assert "pubsub: tracing" in ready, ready
        until()
        assert process.wait(timeout=20) == 0
        output = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is gone: everything was read
                break
            if not chunk:
                break
            output += chunk
        return output.decode()
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)


def test_text_output_is_aligned_and_coloured_on_a_terminal_unless_no_color(service):
    hub = hub_name()
    rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    arguments = ["--hub", hub, "--kind", "rest", "--count", "1", "--timeout", "20s", "--connection-string", service.connection_string]

    def publish():
        rest.send_to_all("x", content_type="text/plain")

    coloured = run_on_a_terminal(arguments, base, publish)
    assert "\x1b[" in coloured
    plain = run_on_a_terminal(arguments, {**base, "NO_COLOR": "1"}, publish)
    assert "\x1b[" not in plain
    forced = run_on_a_terminal([*arguments, "--color", "always"], {**base, "NO_COLOR": "1"}, publish)
    assert "\x1b[" in forced
    piped = Subscription(*arguments, verb="trace", env=base)
    piped.wait_for(lambda: any("pubsub: tracing" in e for e in piped.errors), "tracing")
    publish()
    assert piped.wait_exit() == 0
    line = piped.lines[0]
    assert "\x1b[" not in line  # a pipe is not a terminal
    assert line.split()[1:4] == ["rest", hub, "-"]
    assert line.index(hub) == line.index("rest") + 13  # the kind column is 12 wide
    assert f"POST /api/hubs/{hub}/:send → 202 in" in line and "recipients=0" in line


TOTAL = 600


def test_a_stalled_trace_client_gets_a_missed_marker_and_slows_nobody(pubsub):
    local = LocalService(_binary(), "--trace-buffer", "16")
    hub = hub_name()
    trace = Trace(local.connection_string, "--hub", hub, "--kind", "publish", "--payload", "--max-payload", "65536")
    subscriber = Subscription(
        "--hub", hub, "--group", "g", "--protocol", "json", "--count", f"{TOTAL + 1}", "--timeout", "90s",
        connection_string=local.connection_string,
    )
    try:
        trace.wait_tracing()
        subscriber.wait_ready()
        rest = WebPubSubServiceClient.from_connection_string(local.connection_string, hub=hub)
        os.kill(trace.process.pid, signal.SIGSTOP)
        # Far more than the kernel's socket buffers hold, so the service's own buffer overflows.
        body = "x" * 64_000
        for index in range(TOTAL):
            rest.send_to_group("g", f"{index:04d}{body}", content_type="text/plain")
        # The subscriber got every message while the trace client was stopped.
        subscriber.wait_for(lambda: len(subscriber.lines) == TOTAL, f"{TOTAL} messages", timeout=60)
        os.kill(trace.process.pid, signal.SIGCONT)
        trace.wait_records(lambda rs: any(r["kind"] == "missed" for r in rs), "the missed marker", timeout=60)
        rest.send_to_group("g", "last", content_type="text/plain")
        assert subscriber.wait_exit() == 0
        trace.wait_records(lambda rs: any(r.get("payload", {}).get("data") == "last" for r in rs), "the last publish")

        records = trace.records()
        published = [r for r in records if r["kind"] == "publish"]
        missed = [r for r in records if r["kind"] == "missed"]
        assert 0 < len(published) < TOTAL + 1
        # Every publish is either in the trace or counted as missed: nothing silently lost or doubled.
        assert len(published) + sum(m["count"] for m in missed) == TOTAL + 1
        assert all("fell behind" in m["reason"] for m in missed)
        seen = [int(r["payload"]["data"][:4]) for r in published if r["payload"]["data"] != "last"]
        assert seen == sorted(seen) and len(set(seen)) == len(seen)
    finally:
        os.kill(trace.process.pid, signal.SIGCONT)
        trace.stop()
        subscriber.stop()
        assert local.stop() == 0


@contextlib.contextmanager
def trace_through_proxy(local, hub):
    """A publish-only trace of `hub` that reaches `local` through a TCP proxy the test can cut;
    yields the trace, the proxy and a REST client of the hub."""
    proxy = TCPProxy(local.port)
    through_proxy = local.connection_string.replace(f":{local.port};", f":{proxy.port};")
    trace = Trace(through_proxy, "--hub", hub, "--kind", "publish")
    try:
        trace.wait_tracing()
        yield trace, proxy, WebPubSubServiceClient.from_connection_string(local.connection_string, hub=hub)
    finally:
        trace.stop()
        proxy.close()


def cut_until_noticed(trace, proxy):
    """Drops the trace's connection and keeps it from reconnecting until `proxy.refuse(False)`."""
    proxy.refuse()
    proxy.cut()
    trace.wait_for(lambda: any("reconnecting" in e for e in trace.errors), "the drop to be noticed")


def test_a_dropped_trace_resumes_from_the_history_without_a_gap(service):
    with trace_through_proxy(service, hub_name()) as (trace, proxy, rest):
        for index in range(5):
            rest.send_to_all(str(index), content_type="text/plain")
        trace.wait_records(lambda rs: len(rs) == 5, "five publishes")
        cut_until_noticed(trace, proxy)
        for index in range(5, 10):
            rest.send_to_all(str(index), content_type="text/plain")
        proxy.refuse(False)
        trace.wait_for(lambda: any("trace reconnected" in e for e in trace.errors), "the reconnect")
        rest.send_to_all("10", content_type="text/plain")
        trace.wait_records(lambda rs: len(rs) >= 11, "eleven publishes")
        records = trace.records()
        assert [r["kind"] for r in records] == ["publish"] * 11
        ids = [r["id"] for r in records]
        assert ids == sorted(ids) and len(set(ids)) == 11


def test_a_gap_the_history_cannot_cover_is_reported(pubsub):
    local = LocalService(_binary(), "--trace-history", "0")
    try:
        with trace_through_proxy(local, hub_name()) as (trace, proxy, rest):
            rest.send_to_all("before", content_type="text/plain")
            trace.wait_records(lambda rs: len(rs) == 1, "the first publish")
            cut_until_noticed(trace, proxy)
            for index in range(3):
                rest.send_to_all(str(index), content_type="text/plain")
            proxy.refuse(False)
            trace.wait_records(lambda rs: any(r["kind"] == "missed" for r in rs), "the missed record")
            first, missed = trace.records()[:2]
            # The gap holds 3 publishes and 4 REST calls: how many the filter wanted is not known, so no count.
            assert "count" not in missed
            assert missed["firstId"] == first["id"] + 1 and missed["lastId"] == first["id"] + 7
            assert "no longer holds events" in missed["reason"] and "up to 7 of them" in missed["reason"]
            rest.send_to_all("after", content_type="text/plain")
            trace.wait_records(lambda rs: len(rs) == 3, "the publish after the gap")
            assert trace.records()[2]["id"] > missed["lastId"]
    finally:
        assert local.stop() == 0


def test_trace_refuses_azure_and_services_without_trace_with_its_own_status(pubsub, service):
    azure = "Endpoint=https://contoso.webpubsub.azure.com;AccessKey=" + "A" * 44 + ";Version=1.0;"
    run = pubsub("trace", "--connection-string", azure, "--timeout", "5s")
    assert run.status == 78
    assert "needs the local service" in run.stderr and "Live Trace" in run.stderr
    wrong_key = service.connection_string.replace("AccessKey=", "AccessKey=X")
    run = pubsub("trace", "--connection-string", wrong_key, "--timeout", "5s")
    assert run.status == 77 and "refused" in run.stderr


def test_the_trace_endpoint_needs_the_trace_role(service):
    rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub="chat")
    client_token = rest.get_client_access_token(roles=["webpubsub.joinLeaveGroup"])["token"]
    key = service.connection_string.split("AccessKey=")[1].split(";")[0]
    claims = {"aud": f"http://127.0.0.1:{service.port}/trace", "exp": int(time.time()) + 60}
    without_role = jwt.encode(claims, key, algorithm="HS256")
    with_role = jwt.encode({**claims, "role": ["pubsub.trace"]}, key, algorithm="HS256")
    for token, status in ((None, 401), (client_token, 401), (without_role, 403), (with_role, 200)):
        request = urllib.request.Request(f"http://127.0.0.1:{service.port}/trace")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if status == 200:
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
                assert response.readline() == b": connected\n"
            continue
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == status


def test_refusals_recovery_and_slow_clients_are_traced(pubsub, service):
    hub = hub_name()
    trace = Trace(service.connection_string, "--hub", hub)
    rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
    proxy = TCPProxy(service.port)
    sockets = []
    try:
        trace.wait_tracing()
        # A join the token does not allow: a join record with the error, and the error ack.
        url = rest.get_client_access_token()["url"]
        plain = websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=10)
        sockets.append(plain)
        plain.send(json.dumps({"type": "joinGroup", "group": "closed", "ackId": 7}))
        trace.wait_records(lambda rs: any(r["kind"] == "ack" for r in rs), "the refused join's ack")

        # A reliable SDK client whose transport is cut recovers its session: dropped, then recovery.
        client, events = make_client(service, hub, url_port=proxy.port)
        client.open()
        events.wait_count(CallbackType.CONNECTED, 1)
        proxy.cut()
        trace.wait_records(lambda rs: any(r["kind"] == "recovery" for r in rs), "the recovery")

        # A reliable client that never acks is cut off after 1000 unacknowledged messages.
        url = rest.get_client_access_token(roles=["webpubsub.joinLeaveGroup"])["url"]
        silent = websocket.create_connection(url, subprotocols=["json.reliable.webpubsub.azure.v1"], timeout=10)
        sockets.append(silent)
        silent.send(json.dumps({"type": "joinGroup", "group": "flood", "ackId": 1}))
        trace.wait_records(lambda rs: sum(r["kind"] == "ack" for r in rs) == 2, "the flood join's ack")
        lines = "".join(f"{i}\n" for i in range(1001))
        sent = pubsub("send-to-group", "flood", "--lines", "--no-ack", "--hub", hub, "--connection-string", service.connection_string, stdin=lines)
        assert sent.status == 0, sent.stderr
        trace.wait_records(lambda rs: any(r["kind"] == "disconnected" and r.get("code") == 1008 for r in rs), "the slow client's close")
        client.close()

        records = trace.records()
        plain_id = records[0]["connectionId"]
        refused_join = next(r for r in records if r["kind"] == "join" and r["connectionId"] == plain_id)
        assert refused_join["group"] == "closed" and refused_join["ackId"] == 7
        assert refused_join["error"] == "No permission to join group 'closed'."
        refused_ack = next(r for r in records if r["kind"] == "ack" and r["connectionId"] == plain_id)
        assert refused_ack["success"] is False and refused_ack["error"] == "Forbidden"

        dropped = next(r for r in records if r["kind"] == "dropped")
        recovery = next(r for r in records if r["kind"] == "recovery")
        assert recovery["connectionId"] == dropped["connectionId"] and recovery["result"] == "recovered"
        assert records.index(dropped) < records.index(recovery)

        slow = next(r for r in records if r["kind"] == "slow-client")
        closed = next(r for r in records if r["kind"] == "disconnected" and r.get("code") == 1008)
        assert slow["connectionId"] == closed["connectionId"] and "SlowClient" in slow["reason"]
        assert "SlowClient" in closed["reason"] and records.index(slow) < records.index(closed)
    finally:
        for socket in sockets:
            socket.close()
        trace.stop()
        proxy.close()
