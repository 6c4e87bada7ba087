"""`pubsub subscribe` (the built binary) against the local service: what it prints, its stop rules
and exit statuses, recovery through a TCP proxy cut, and reconnection with rejoin."""

import http.client
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import _binary
from subscription import Subscription
from sdk_helpers import hub_name
from tcp_proxy import TCPProxy


@pytest.fixture
def hub():
    return hub_name()


@pytest.fixture
def rest(service, hub):
    return WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)


def test_receives_what_publish_and_the_service_sdk_send(service, hub, rest, pubsub, tmp_path):
    ready = tmp_path / "ready"
    sub = Subscription("--hub", hub, "--group", "g", "--count", "4", "--format", "json", "--ready-file", str(ready), connection_string=service.connection_string)
    try:
        sub.wait_ready()
        assert ready.read_text().strip(), "the ready file names the connection"
        assert pubsub("publish", "Hello World", "--hub", hub, "--connection-string", service.connection_string).status == 0
        rest.send_to_group("g", {"n": 1}, content_type="application/json")
        rest.send_to_all(b"\x00\xff", content_type="application/octet-stream")
        rest.send_to_all("two\nlines", content_type="text/plain")
        assert sub.wait_exit() == 0
        records = [json.loads(line) for line in sub.lines]
        assert [(r["from"], r["group"], r["dataType"], r["data"], r["sequenceId"]) for r in records] == [
            ("server", None, "text", "Hello World", 1),
            ("group", "g", "json", {"n": 1}, 2),
            ("server", None, "binary", "AP8=", 3),
            ("server", None, "text", "two\nlines", 4),
        ]
        assert all(r["receivedAt"].endswith("Z") for r in records)
    finally:
        sub.stop()


def test_a_ready_file_that_cannot_be_written_fails_at_once(service, hub, pubsub, tmp_path):
    """A script waiting for the file must not hang: exit 73 before connecting, saying why."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        cases = [
            (tmp_path / "missing" / "ready", "does not exist"),
            (tmp_path, "is a directory"),
        ]
        if os.geteuid() != 0:  # root writes anywhere
            cases.append((locked / "ready", "no file can be created"))
        for path, reason in cases:
            started = time.monotonic()
            done = pubsub("subscribe", "--hub", hub, "--ready-file", str(path), "--connection-string", service.connection_string)
            assert done.status == 73, (path, done.stderr)
            assert f"--ready-file {path} cannot be written: " in done.stderr and reason in done.stderr, done.stderr
            assert time.monotonic() - started < 10
    finally:
        locked.chmod(0o700)


def test_a_stale_ready_file_is_replaced_once_ready(service, hub, rest, tmp_path):
    ready = tmp_path / "ready"
    ready.write_text("stale\n")
    sub = Subscription("--hub", hub, "--count", "1", "--ready-file", str(ready), connection_string=service.connection_string)
    try:
        sub.wait_ready()
        connection = ready.read_text().strip()
        assert connection and connection != "stale"
        rest.send_to_connection(connection, "x", content_type="text/plain")
        assert sub.wait_exit() == 0
    finally:
        sub.stop()


def test_text_format_keeps_one_line_per_message(service, hub, rest):
    sub = Subscription("--hub", hub, "--count", "2", connection_string=service.connection_string)
    try:
        sub.wait_ready()
        rest.send_to_all("a\nb", content_type="text/plain")
        rest.send_to_all({"k": [1]}, content_type="application/json")
        assert sub.wait_exit() == 0
        assert sub.lines == ["a\\nb", '{"k":[1]}']
    finally:
        sub.stop()


def test_reliable_subscriber_loses_nothing_when_the_transport_is_cut(service, hub, rest):
    proxy = TCPProxy(service.port)
    through_proxy = service.connection_string.replace(f":{service.port};", f":{proxy.port};")
    total = 300
    sub = Subscription("--hub", hub, "--group", "s", "--count", str(total), connection_string=through_proxy)
    try:
        sub.wait_ready()
        for index in range(total):
            rest.send_to_group("s", str(index), content_type="text/plain")
            if index == total // 3:
                proxy.cut()
        assert sub.wait_exit(timeout=60) == 0, sub.errors
        assert sub.lines == [str(i) for i in range(total)], "none lost, none duplicated, order kept"
        assert any("recovered connection" in e for e in sub.errors), sub.errors
        assert proxy.accepted >= 2
    finally:
        sub.stop()
        proxy.close()


def test_a_half_open_connection_is_noticed_and_recovered(service, hub, rest):
    proxy = TCPProxy(service.port)
    through_proxy = service.connection_string.replace(f":{service.port};", f":{proxy.port};")
    sub = Subscription("--hub", hub, "--group", "h", "--keepalive", "1s", "--count", "2", connection_string=through_proxy)
    try:
        sub.wait_ready()
        proxy.freeze()
        rest.send_to_group("h", "sent while half-open", content_type="text/plain")
        sub.wait_for(lambda: any("half-open" in e for e in sub.errors), "the half-open connection to be noticed")
        sub.wait_for(lambda: any("recovered connection" in e for e in sub.errors), "recovery")
        rest.send_to_group("h", "after recovery", content_type="text/plain")
        assert sub.wait_exit() == 0
        assert sub.lines == ["sent while half-open", "after recovery"]
    finally:
        sub.stop()
        proxy.close()


def test_json_subscriber_reports_a_possible_gap_and_reconnects(service, hub, rest):
    proxy = TCPProxy(service.port)
    through_proxy = service.connection_string.replace(f":{service.port};", f":{proxy.port};")
    sub = Subscription("--hub", hub, "--group", "j", "--protocol", "json", "--format", "json", "--events", connection_string=through_proxy)
    try:
        sub.wait_ready()
        proxy.cut()
        sub.wait_for(lambda: any('"event":"possibleGap"' in line for line in sub.lines), "a possibleGap event")
        sub.wait_for(lambda: sum('"event":"ready"' in line for line in sub.lines) >= 2, "ready again after the reconnect")
        rest.send_to_group("j", "after", content_type="text/plain")
        sub.wait_for(lambda: any('"data":"after"' in line for line in sub.lines), "a group message after rejoining")
        assert any('"event":"reconnected"' in line for line in sub.lines)
    finally:
        sub.stop()
        proxy.close()


def test_reconnects_with_a_new_connection_after_a_rest_close(service, hub, rest):
    sub = Subscription("--hub", hub, "--group", "r", connection_string=service.connection_string)
    try:
        sub.wait_ready()
        first = [e for e in sub.errors if "ready" in e][0]
        rest.close_group_connections("r", reason="maintenance")
        sub.wait_for(lambda: any("reconnected as a new connection" in e for e in sub.errors), "reconnected")
        sub.wait_for(lambda: sum("pubsub: ready" in e for e in sub.errors) >= 2, "ready again")
        assert any("disconnected: maintenance" in e for e in sub.errors), sub.errors
        second = [e for e in sub.errors if "ready" in e][1]
        assert first != second, "a new connectionId"
        rest.send_to_group("r", "rejoined", content_type="text/plain")
        sub.wait_for(lambda: "rejoined" in sub.lines, "the group message after rejoining")
    finally:
        sub.stop()


def test_stop_rules_and_signals(service, hub):
    timed = Subscription("--hub", hub, "--timeout", "1s", "--count", "5", connection_string=service.connection_string)
    assert timed.wait_exit() == 75
    assert any("--timeout 1s expired after 0 of 5 messages" in e for e in timed.errors)

    idle = Subscription("--hub", hub, "--idle", "1s", connection_string=service.connection_string)
    assert idle.wait_exit() == 0

    interrupted = Subscription("--hub", hub, connection_string=service.connection_string)
    interrupted.wait_ready()
    interrupted.process.send_signal(signal.SIGINT)
    assert interrupted.wait_exit() == 0


def test_refusals_and_unreachable(service, hub):
    wrong_key = service.connection_string.replace("AccessKey=c", "AccessKey=d")
    refused = Subscription("--hub", hub, connection_string=wrong_key)
    assert refused.wait_exit() == 77
    assert any("refused the WebSocket (401 Unauthorized): access token refused: the token's signature does not match" in e for e in refused.errors), refused.errors

    unreachable = Subscription("--hub", hub, connection_string="Endpoint=http://127.0.0.1:9;AccessKey=k;Version=1.0;")
    assert unreachable.wait_exit() == 69
    assert any("connection refused" in e for e in unreachable.errors), unreachable.errors


@pytest.mark.parametrize(
    "query,protocol,status,reason",
    [
        ("", "json.webpubsub.azure.v1", 401, "no access token"),
        ("?access_token=not.a.token", "json.webpubsub.azure.v1", 401, "access token refused"),
        ("?access_token={token}", "protobuf.webpubsub.azure.v1", 400, "protobuf subprotocols are not supported"),
        ("?access_token={token}&webpubsub_mode=sendToGroup&group=g", None, 403, "needs the webpubsub.sendToGroup role"),
    ],
)
def test_a_refused_websocket_upgrade_gets_its_status_and_reason(service, query, protocol, status, reason):
    """What every WebSocket client sends: the upgrade headers. The refusal must still say why."""
    token = WebPubSubServiceClient.from_connection_string(service.connection_string, hub="chat").get_client_access_token()["token"]
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Host": f"localhost:{service.port}"}
    if protocol:
        headers["Sec-WebSocket-Protocol"] = protocol
    connection.request("GET", "/client/hubs/chat" + query.format(token=token), headers=headers)
    response = connection.getresponse()
    assert response.status == status
    assert reason in response.read().decode()


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port):
    process = subprocess.Popen([str(_binary()), "serve", "--port", str(port), "--log-level", "error"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for _ in range(3):
        line = process.stdout.readline()
        if line.startswith("Connection string: "):
            connection_string = line.split(": ", 1)[1].strip()
    return process, connection_string


def test_after_a_service_restart_it_reconnects_and_rejoins(hub):
    port = _free_port()
    first, connection_string = _serve(port)
    sub = Subscription("--hub", hub, "--group", "again", connection_string=connection_string)
    second = None
    try:
        sub.wait_ready()
        first.terminate()
        assert first.wait(timeout=20) == 0
        sub.wait_for(lambda: any("disconnected" in e for e in sub.errors), "the disconnect")
        second, _ = _serve(port)
        sub.wait_for(lambda: any("reconnected as a new connection" in e for e in sub.errors), "a new connection", timeout=30)
        sub.wait_for(lambda: sum("pubsub: ready" in e for e in sub.errors) >= 2, "ready again after rejoining")
        WebPubSubServiceClient.from_connection_string(connection_string, hub=hub).send_to_group("again", "back", content_type="text/plain")
        sub.wait_for(lambda: "back" in sub.lines, "a group message on the new service")
        assert any("messages may have been missed" in e for e in sub.errors)
    finally:
        sub.stop()
        for process in (first, second):
            if process and process.poll() is None:
                process.kill()


def test_receives_publish_to_its_group_user_and_connection_in_order(service, hub, pubsub, tmp_path):
    ready = tmp_path / "ready"
    sub = Subscription("--hub", hub, "--group", "team", "--user", "zoe", "--count", "4", "--ready-file", str(ready), connection_string=service.connection_string)
    try:
        sub.wait_ready()
        connection_id = ready.read_text().strip()
        for args in (["to hub"], ["to group", "--group", "team"], ["to user", "--user", "zoe"], ["to connection", "--connection", connection_id]):
            assert pubsub("publish", *args, "--hub", hub, "--connection-string", service.connection_string).status == 0
        assert sub.wait_exit() == 0
        assert sub.lines == ["to hub", "to group", "to user", "to connection"]
    finally:
        sub.stop()


def test_expired_wrong_key_and_wrong_hub_urls_are_refused(service, hub):
    import jwt

    key = service.connection_string.split("AccessKey=")[1].split(";")[0]
    base = f"ws://localhost:{service.port}/client/hubs/{hub}"
    now = int(time.time())
    aud = f"http://localhost:{service.port}/client/hubs/{hub}"
    cases = {
        "expired": jwt.encode({"aud": aud, "iat": now - 7200, "exp": now - 3600}, key, algorithm="HS256"),
        "wrong key": jwt.encode({"aud": aud, "iat": now, "exp": now + 3600}, "not-the-key", algorithm="HS256"),
        "wrong hub": jwt.encode({"aud": aud + "other", "iat": now, "exp": now + 3600}, key, algorithm="HS256"),
    }
    reasons = {"expired": "expired", "wrong key": "signature does not match", "wrong hub": "does not name"}
    for name, token in cases.items():
        sub = Subscription("--url", f"{base}?access_token={token}")
        assert sub.wait_exit() == 77, name
        assert any(reasons[name] in e for e in sub.errors), (name, sub.errors)
        assert token not in " ".join(sub.errors), "the token is never printed"


def test_a_reliable_subscriber_acks_every_200_messages_during_a_burst(service, hub, pubsub):
    # The service closes a reliable connection with 1000 unacknowledged messages (§6.1); acking only
    # once a second would reach that in any burst above 1000 messages a second. The subscriber acks
    # at once when 200 are unacknowledged: the live trace shows its sequenceAcks, whose ids never
    # move by more than 200, whatever the speed of the machine. (900 messages stay under the limit,
    # so a slow subscriber cannot be cut off and the test does not race.)
    total = 900
    trace = Subscription("--hub", hub, "--kind", "request", "--format", "json", connection_string=service.connection_string, verb="trace")
    sub = Subscription("--hub", hub, "--group", "burst", "--count", str(total), connection_string=service.connection_string)
    try:
        trace.wait_for(lambda: any("pubsub: tracing" in e for e in trace.errors), "the trace")
        sub.wait_ready()
        connection = next(e for e in sub.errors if "pubsub: ready" in e).split("connection ")[1].split(",")[0]
        lines = "".join(f"{i}\n" for i in range(total))
        result = pubsub("send-to-group", "burst", "--lines", "--no-ack", "--hub", hub, "--connection-string", service.connection_string, stdin=lines)
        assert result.status == 0, result.stderr
        assert sub.wait_exit(timeout=60) == 0, sub.errors
        assert sub.lines == [str(i) for i in range(total)]
        assert not any("missed" in e or "reconnected" in e for e in sub.errors), sub.errors

        def acks():
            records = [json.loads(line) for line in list(trace.lines)]
            return [r["sequenceId"] for r in records if r.get("connectionId") == connection and r.get("type") == "sequenceAck"]

        # The subscriber stops at --count before its next tick: the last ack is an eager one.
        trace.wait_for(lambda: max(acks(), default=0) >= total - 200, "the acks of the burst")
        ids = acks()
        assert ids == sorted(ids)
        steps = [b - a for a, b in zip([0] + ids, ids + [total])]
        assert max(steps) <= 200, f"{max(steps)} messages went unacknowledged at some point: acks {ids}"
    finally:
        sub.stop()
        trace.stop()
