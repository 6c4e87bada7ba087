"""Every row of the README's Limits table, attacked on the real binary: the attack goes past the
limit, gets the documented refusal, and the service stays healthy and under its memory ceiling
(`check`: a probe still gets a publish within PROBE_BOUND, a new client connects, peak memory is
under CEILING_MIB). LIMIT_ATTACKS names the attacks of each row; the first test fails when a row
of the table has none, so a limit added to the README needs its attack."""

import asyncio
import json
import os
import re
import selectors
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest

from attack_helpers import (
    PROBE_BOUND,
    WAIT,
    Probe,
    RawClient,
    _binary,
    check,
    hub_name,
    memory_kib,
    publish_many,
    rest,
    rest_token,
    server_client,
    service,
    start_reading,
    text,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# README Limits row (its first cell) -> the attacks that go past it: here, in test_attacks.py, or
# (the second Ctrl-C) in the conformance suite's test_serve_options.py.
LIMIT_ATTACKS = {
    "Client WebSocket message": ["test_a_message_one_byte_over_1_mb_is_closed_with_1009", "test_fragmented_messages_that_never_end_are_closed_at_the_size_limit"],
    "First request on a connection": ["test_2000_half_sent_requests_are_timed_out"],
    "Request head": ["test_request_heads_over_80_kb_are_400_and_closed"],
    "Listen backlog (connections waiting to be accepted)": ["test_a_connect_flood_past_a_16_connection_backlog_is_served_without_an_error"],
    "Connections": ["test_connections_past_max_connections_are_503_and_a_freed_slot_is_reused", "test_thousands_of_connections_from_one_user_are_refused_past_the_limit"],
    "Groups per connection": ["test_100000_joins_stop_at_the_group_limit"],
    "Remembered ackIds per connection": ["test_a_million_distinct_ack_ids_are_a_window"],
    "SSE groups": ["test_sse_readers_of_more_groups_than_max_groups_get_503_until_a_group_lingers_out"],
    "SSE history": [
        "test_sse_history_stays_in_its_byte_budget_and_a_resume_from_before_it_is_told_of_the_loss",
        "test_an_sse_reader_that_never_reads_is_cut_off",
        "test_sse_readers_past_max_sse_streams_are_503",
    ],
    "SSE `POST /publish` body": ["test_an_sse_publish_body_over_1_mb_is_413"],
    "Frame a client verb accepts from the service": ["test_subscribe_refuses_a_9_mb_frame_from_a_hostile_service"],
    "REST request body": ["test_an_endless_rest_body_is_refused_and_the_connection_ends"],
    "A body still arriving after its response (413, 401)": [
        "test_an_endless_rest_body_is_refused_and_the_connection_ends",
        "test_an_endless_unauthenticated_body_is_401_and_the_connection_ends",
    ],
    "Outbound queue per connection": ["test_a_client_that_reads_nothing_while_1mb_messages_are_sent_is_cut_off"],
    "Publications waiting for an event loop": ["test_rest_publishers_faster_than_delivery_wait_for_their_202_and_nothing_is_lost"],
    "Event handler answer": ["test_an_event_handler_that_answers_slowly_hugely_or_with_wrong_types"],
    "Live trace": ["test_a_trace_client_that_never_reads_is_told_what_it_missed"],
    "Unacknowledged messages per reliable connection": ["test_a_reliable_client_that_never_acks_is_closed_with_1008_after_1000_messages"],
    "Reliable session after its transport drops": ["test_1000_dropped_reliable_sessions_are_kept_30_s_and_then_gone"],
    "Graceful shutdown (SIGINT, SIGTERM)": ["test_streams_whose_readers_read_nothing_do_not_hold_the_shutdown", "test_a_second_sigint_stops_serve_at_once_with_130_while_a_client_never_answers_the_close"],
    "`messageTtlSeconds`": ["test_message_ttls_outside_0_to_300_are_400"],
    "`minutesToExpire` (REST `:generateToken`)": ["test_generate_token_with_a_huge_lifetime_is_a_400"],
    "OData filter": ["test_a_filter_nested_5000_deep_is_a_400", "test_filters_past_100_clauses_or_1000_terms_are_400"],
    "WebSocket ping period": ["test_a_client_that_never_answers_pings_is_closed_as_ping_timeout"],
    "WebSocket close reason": ["test_a_10_kb_close_reason_is_cut_to_123_bytes_at_a_character"],
    "Hub name": ["test_hub_and_group_names_past_their_limits_are_refused"],
    "Group name": ["test_hub_and_group_names_past_their_limits_are_refused"],
    "Token lifetime": ["test_the_cli_refuses_lifetimes_and_durations_past_their_limits"],
    "Durations on the command line": ["test_the_cli_refuses_lifetimes_and_durations_past_their_limits"],
    "Role patterns": ["test_role_patterns_past_their_limits_grant_nothing"],
    "Clock skew when verifying": ["test_tokens_outside_the_60_s_clock_skew_are_401"],
    "Open files": ["test_400_clients_against_a_256_file_limit_wait_without_spinning_and_are_served_once_others_leave"],
    "Verified tokens the service keeps": ["test_3000_distinct_tokens_and_oversized_ones_keep_the_token_cache_bounded"],
}


def readme_limit_rows():
    section = README.read_text().split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Item") and not line.startswith("|---")]
    return [row.split(" | ", 1)[0][2:].strip() for row in rows]


def test_every_limit_in_the_readme_has_an_attack():
    here = Path(__file__).read_text() + (Path(__file__).parent / "test_attacks.py").read_text()
    here += (Path(__file__).parents[1] / "Conformance" / "test_serve_options.py").read_text()
    defined = set(re.findall(r"^def (test_\w+)\(", here, re.MULTILINE))
    rows = readme_limit_rows()
    assert len(rows) >= 30, rows
    assert set(rows) == set(LIMIT_ATTACKS), f"README rows without attacks: {set(rows) - set(LIMIT_ATTACKS)}; attacks of no row: {set(LIMIT_ATTACKS) - set(rows)}"
    for row, names in LIMIT_ATTACKS.items():
        for name in names:
            assert name in defined, f"{row}: no test named {name}"


# --- what the attacks are made of -------------------------------------------------------------


@pytest.fixture
def stopped():
    """Services started by a test, each checked to be alive and to stop cleanly at its end."""
    started = []
    yield lambda *options: started.append(service(*options)) or started[-1]
    for running in started:
        assert running.process.poll() is None, "the service died: " + running.process.stderr.read()
        status = running.stop()
        assert status == 0, f"pubsub serve exited {status}: " + running.process.stderr.read()


def access_key(local):
    return local.connection_string.split("AccessKey=")[1].split(";")[0]


def client_url(local, hub, **claims):
    """A client access URL whose token carries these claims (aud and a 5-minute exp unless given)."""
    now = int(time.time())
    body = {"aud": f"http://localhost:{local.port}/client/hubs/{hub}", "iat": now, "exp": now + 300, **claims}
    token = jwt.encode({k: v for k, v in body.items() if v is not None}, access_key(local), algorithm="HS256")
    return f"ws://localhost:{local.port}/client/hubs/{hub}?access_token={token}"


def exchange(local, request):
    """Sends raw bytes; returns (status, everything the service sent until it closed)."""
    with socket.create_connection(("127.0.0.1", local.port), timeout=WAIT) as connection:
        try:
            connection.sendall(request)
        except OSError:
            pass  # the service answered and closed before taking all of it: read what it said
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None, answer


class SSEReader:
    """`GET /events` on a bare socket: the status and head, then reads only when asked."""

    def __init__(self, local, query, headers=()):
        self.socket = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
        self.socket.sendall(f"GET /events?{query} HTTP/1.1\r\nHost: localhost:{local.port}\r\n{extra}\r\n".encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.head = head.decode(errors="replace")
        self.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else None

    def read_until(self, marker):
        """The stream (chunked framing and all) up to and including `marker`."""
        while marker not in self.buffer:
            chunk = self.socket.recv(1 << 20)
            if not chunk:
                raise AssertionError(f"the stream ended before {marker!r}: {self.buffer[-300:]!r}")
            self.buffer += chunk
        return self.buffer

    def read_to_end(self):
        """Bytes until the service ends the stream (the terminating chunk, or the socket closing)."""
        total = len(self.buffer)
        tail = self.buffer[-16:]
        while True:
            try:
                chunk = self.socket.recv(1 << 20)
            except ConnectionResetError:
                return total
            if not chunk:
                return total
            total += len(chunk)
            tail = (tail + chunk)[-16:]
            if tail.endswith(b"\r\n0\r\n\r\n"):
                return total

    def close(self):
        self.socket.close()


def reader_token(local, hub, roles=()):
    return server_client(local, hub).get_client_access_token(roles=list(roles))["token"]


def wait_for(condition, what, within=WAIT):
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {within} s"
        time.sleep(0.05)


def connected_message(client):
    message = next(client.messages())
    assert message.get("event") == "connected", message
    return message


# --- the attacks ------------------------------------------------------------------------------


def test_a_message_one_byte_over_1_mb_is_closed_with_1009(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    sender = RawClient(local, hub, roles=["webpubsub.sendToGroup"])
    connected_message(sender)
    envelope = '{"type":"sendToGroup","group":"g","ackId":1,"dataType":"text","data":"%s"}'
    padding = (1 << 20) - len(envelope % "")
    sender.send(text(envelope % ("x" * padding)))  # exactly 1 MB: taken
    assert next(sender.messages()) == {"type": "ack", "ackId": 1, "success": True}
    sender.send(text(envelope % ("x" * (padding + 1))))
    assert sender.close_code() == 1009
    check(local, probe, "a 1 MB + 1 byte client message")


def test_request_heads_over_80_kb_are_400_and_closed(stopped):
    """NIO's parser counts the bytes of header names and values (not the `: ` and line ends) up to
    80 KB: one 100 KB header, 21,000 headers of 4 counted bytes, or a head that never ends, are
    each a 400 that closes the connection; 20,000 such headers (80,000 bytes) pass."""
    local = stopped()
    probe = Probe(local, hub_name())
    one_header = b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 100_000 + b"\r\n\r\n"
    many_headers = b"HEAD /api/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 21_000 + b"\r\n"
    endless = b"GET /client/hubs/h HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * (4 << 20)
    for request in (one_header, many_headers, endless):
        status, answer = exchange(local, request)
        assert status == 400, answer[:200]
        assert b"too many header bytes" in answer, answer[:300]
    status, _ = exchange(local, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + b"X-A: b\r\n" * 20_000 + b"\r\n")
    assert status == 200
    status, _ = exchange(local, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 70_000 + b"\r\nConnection: close\r\n\r\n")
    assert status == 200
    check(local, probe, "request heads of 100 KB, 21,000 headers and 4 MB")


def listen_backlog(port):
    """The backlog of the socket listening on this port, as the kernel reports it (ss's Send-Q)."""
    lines = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout.split("\n")
    fields = [line.split() for line in lines if line.strip()]
    assert fields, f"nothing listens on {port}"
    return int(fields[0][2])


def test_a_connect_flood_past_a_16_connection_backlog_is_served_without_an_error(stopped):
    """1,000 connects at once at a listening socket whose backlog is 16: the kernel queues 16 and
    drops the other SYNs, which TCP itself retries (after 1 s, 3 s, 7 s…). Every connection that
    gets through is answered, none is refused or reset, and the service stays healthy."""
    local = stopped("--listen-backlog", "16")
    assert listen_backlog(local.port) == 16
    probe = Probe(local, hub_name())
    selector = selectors.DefaultSelector()
    flood = []
    for _ in range(1000):
        connection = socket.socket()
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", local.port))
        selector.register(connection, selectors.EVENT_WRITE)
        flood.append(connection)
    request = b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answered, errors, window_ends = 0, [], time.monotonic() + 10
    while answered < len(flood) and time.monotonic() < window_ends:
        for key, events in selector.select(timeout=0.5):
            connection = key.fileobj
            error = connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                errors.append(os.strerror(error))
                selector.unregister(connection)
            elif events & selectors.EVENT_WRITE:
                connection.sendall(request)
                selector.modify(connection, selectors.EVENT_READ)
            else:
                answer = connection.recv(4096)
                assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
                selector.unregister(connection)
                answered += 1
        assert probe.latency() < PROBE_BOUND
    for connection in flood:
        connection.close()
    assert errors == []
    assert answered >= 100, f"only {answered} of the flood were served in 10 s"
    check(local, probe, "1,000 connects at once past a backlog of 16", served_in_10_s=answered)


def test_connections_past_max_connections_are_503_and_a_freed_slot_is_reused(stopped):
    local = stopped("--max-connections", "100")
    hub = hub_name()
    probe = Probe(local, hub)  # one of the hundred
    clients, refused = [], []
    for _ in range(300):
        client = RawClient(local, hub)
        if client.status == 101:
            clients.append(client)
        else:
            refused.append((client.status, client.rest_of_body()))
            client.close()
    assert len(clients) == 99
    assert {status for status, _ in refused} == {503} and len(refused) == 201
    assert "100 connections" in refused[0][1] and "--max-connections" in refused[0][1], refused[0][1]
    for client in clients[:10]:
        client.close()
    again = []
    wait_for(lambda: again.append(RawClient(local, hub)) or again[-1].status == 101 or again.pop().close(), "a freed slot")
    for _ in range(9):
        again.append(RawClient(local, hub))
    assert [client.status for client in again] == [101] * 10
    extra = RawClient(local, hub)
    assert extra.status == 503
    for client in clients[10:] + again + [extra]:
        client.close()
    wait_for(lambda: (fresh := RawClient(local, hub)).status == 101 and fresh.close() is None, "slots freed by closing")
    check(local, probe, "300 connections against --max-connections 100")


def test_sse_readers_past_max_sse_streams_are_503(stopped):
    local = stopped("--max-sse-streams", "50")
    hub = hub_name()
    probe = Probe(local, hub)
    token = reader_token(local, hub)
    readers = [SSEReader(local, f"hub={hub}&access_token={token}") for _ in range(50)]
    assert [reader.status for reader in readers] == [200] * 50
    refused = [SSEReader(local, f"hub={hub}&access_token={token}") for _ in range(200)]
    assert {reader.status for reader in refused} == {503}
    assert "50" in refused[0].buffer.decode(errors="replace") or "50" in refused[0].head
    for reader in refused:
        reader.close()
    readers.pop().close()
    wait_for(lambda: (reader := SSEReader(local, f"hub={hub}&access_token={token}")).status == 200 and readers.append(reader) is None, "a freed SSE slot")
    for reader in readers:
        reader.close()
    check(local, probe, "250 SSE readers against --max-sse-streams 50")


def test_sse_readers_of_more_groups_than_max_groups_get_503_until_a_group_lingers_out(stopped):
    local = stopped("--max-groups", "10", "--group-linger", "2s")
    hub = hub_name()
    probe = Probe(local, hub)
    token = reader_token(local, hub, ["webpubsub.joinLeaveGroup"])
    readers = [SSEReader(local, f"hub={hub}&group=g{index}&access_token={token}") for index in range(10)]
    assert [reader.status for reader in readers] == [200] * 10
    for index in range(10, 1010):
        past = SSEReader(local, f"hub={hub}&group=g{index}&access_token={token}")
        assert past.status == 503, (index, past.head)
        past.close()
    readers[0].close()
    closed_at = time.monotonic()
    eleventh = []
    wait_for(lambda: (reader := SSEReader(local, f"hub={hub}&group=g10&access_token={token}")).status == 200 and eleventh.append(reader) is None, "room after the linger")
    # The group left was still carried for its linger: the new one waited at least most of it.
    assert time.monotonic() - closed_at >= 1.5
    for reader in readers[1:] + eleventh:
        reader.close()
    check(local, probe, "1,000 SSE groups against --max-groups 10")


def test_sse_history_stays_in_its_byte_budget_and_a_resume_from_before_it_is_told_of_the_loss(stopped):
    local = stopped("--history-bytes", "1MB")
    hub = hub_name()
    probe = Probe(local, hub)
    server = server_client(local, hub)
    token = reader_token(local, hub)
    reader = SSEReader(local, f"hub={hub}&access_token={token}")
    assert reader.status == 200
    drained = threading.Thread(target=reader.read_to_end, daemon=True)
    drained.start()
    before = memory_kib(local.process)
    publish_many(local, hub, 299, "x" * 100_000)  # 30 MB of history offered to a 1 MB budget
    server.send_to_all("last-one" + "x" * 100_000, content_type="text/plain")
    growth = (memory_kib(local.process) - before) // 1024
    late = SSEReader(local, f"hub={hub}&access_token={token}", headers=[("Last-Event-ID", "1")])
    assert late.status == 200
    assert "x-pubsub-events-lost: true" in late.head.lower(), late.head
    replayed = late.read_until(b"last-one")
    assert b"event: loss" in replayed[:2000]
    # What was replayed fits the budget: about ten of the 100 KB events, not 300.
    assert replayed.count(b"event: server-message") <= 12, replayed.count(b"event: server-message")
    assert growth < 24, f"memory grew {growth} MiB holding a 1 MB SSE history"
    late.close()
    reader.close()
    check(local, probe, "30 MB published into a 1 MB SSE history", rss_growth_mib=growth)


def test_an_sse_reader_that_never_reads_is_cut_off(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    # It never reads: its receive buffer and the service's send buffer take about 10 MB, and the
    # service's queue for it 16 MB more.
    sleeper = SSEReader(local, f"hub={hub}&access_token={reader_token(local, hub)}")
    assert sleeper.status == 200
    before = memory_kib(local.process)
    publish_many(local, hub, 400, "y" * 100_000)  # 40 MB at a reader whose queue holds 16 MB
    assert probe.latency() < PROBE_BOUND
    growth = (memory_kib(local.process) - before) // 1024
    sleeper.socket.settimeout(WAIT)
    received = sleeper.read_to_end()  # ends: the service cut the stream
    assert received < 36_000_000, f"the reader got {received} of 40,000,000 bytes: it was never cut off"
    sleeper.close()
    check(local, probe, "an SSE reader that never reads, 400 x 100 KB", rss_growth_mib=growth)


def test_an_sse_publish_body_over_1_mb_is_413(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    token = rest_token(local, f"/api/hubs/{hub}")

    def publish(size):
        head = (
            f"POST /publish?hub={hub} HTTP/1.1\r\nHost: localhost:{local.port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: text/plain\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
        )
        return exchange(local, head.encode() + b"z" * size)

    status, answer = publish((1 << 20) + 1)
    assert status == 413, answer[:300]
    status, answer = publish(1 << 20)
    assert status in (200, 202), answer[:300]
    check(local, probe, "an SSE publish of 1 MB + 1 byte")


def test_subscribe_refuses_a_9_mb_frame_from_a_hostile_service():
    """A 'service' that sends `pubsub subscribe` one 9 MB frame: subscribe drops it with a clear
    error instead of holding it, whatever the peer announces."""
    import websockets

    sent = threading.Event()

    async def hostile(connection):
        await connection.send(json.dumps({"type": "system", "event": "connected", "connectionId": "c", "userId": None}))
        sent.set()
        try:
            await connection.send("z" * (9 << 20))
            await asyncio.sleep(WAIT)
        except websockets.ConnectionClosed:
            pass  # the client refused it: what this test wants

    ready, port = threading.Event(), []

    def serve():
        async def main():
            async with websockets.serve(hostile, "127.0.0.1", 0, subprotocols=["json.webpubsub.azure.v1"], max_size=None) as server:
                port.append(server.sockets[0].getsockname()[1])
                ready.set()
                await asyncio.sleep(WAIT * 2)

        asyncio.run(main())

    threading.Thread(target=serve, daemon=True).start()
    assert ready.wait(WAIT)
    subscriber = subprocess.Popen(
        [str(_binary()), "subscribe", "--url", f"ws://127.0.0.1:{port[0]}/client/hubs/h?access_token=x", "--protocol", "json", "--timeout", "3s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output, errors = subscriber.communicate(timeout=WAIT)
    finally:
        subscriber.kill()
    assert sent.wait(WAIT)
    # It keeps reconnecting (a service may recover) until its --timeout, saying each time why the
    # connection ended; nothing of the frame reaches stdout.
    assert subscriber.returncode == 75, (subscriber.returncode, errors)
    assert "disconnected: closed with 1009: the service sent a frame over 8388608 bytes" in errors, errors
    assert "z" * 100 not in output


def test_an_endless_unauthenticated_body_is_401_and_the_connection_ends(stopped):
    local = stopped()
    probe = Probe(local, hub_name())
    upload = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
    upload.sendall(f"POST /api/hubs/h/:send?api-version=2024-01-01 HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {900_000}\r\n\r\n".encode())
    sent = 0
    started = time.monotonic()
    try:
        while sent < 900:  # under the 1 MB limit: the refusal is the missing token's, and the rest is drained
            upload.sendall(b"x" * 1000)
            sent += 1
        # then more than the announced body, which no valid request can carry
        while time.monotonic() - started < WAIT:
            upload.sendall(b"x" * 65536)
    except OSError:
        pass
    answer = b""
    try:
        while chunk := upload.recv(4096):
            answer += chunk
    except OSError:
        pass
    upload.close()
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert time.monotonic() - started < WAIT, "the connection was not ended"
    check(local, probe, "an unauthenticated body that never ends")


def test_a_trace_client_that_never_reads_is_told_what_it_missed(stopped):
    local = stopped("--trace-buffer", "100")
    hub = hub_name()
    probe = Probe(local, hub)
    trace = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
    trace.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    trace.sendall(f"GET /trace?payload=1000 HTTP/1.1\r\nHost: localhost:{local.port}\r\nAuthorization: Bearer {rest_token(local, '/trace', role=['pubsub.trace'])}\r\n\r\n".encode())
    received = trace.recv(12)  # the head comes once the trace has subscribed; then it reads nothing
    assert received.startswith(b"HTTP/1.1 200"), received
    before = memory_kib(local.process)
    publish_many(local, hub, 3000, "t" * 1000)
    assert probe.latency() < PROBE_BOUND
    growth = (memory_kib(local.process) - before) // 1024
    start_reading(trace)
    while b'"missed"' not in received:
        chunk = trace.recv(1 << 20)
        assert chunk, "the trace ended without a missed record"
        received += chunk
    trace.close()
    assert growth < 24, f"memory grew {growth} MiB for one stalled trace client"
    check(local, probe, "a trace client that never reads, 3,000 publishes", rss_growth_mib=growth)


def test_rest_publishers_faster_than_delivery_wait_for_their_202_and_nothing_is_lost(stopped):
    """Eight REST publishers with 16 requests in flight each send 2,000 messages of 8 KB to 50
    subscribers faster than the service's loops can write them: past 256 publications waiting for
    a loop the 202s wait for it to catch up, and `pubsub bench` finds every delivery made exactly
    once. (All 2,000 messages together are 16 MB, the outbound queue's byte limit, so no subscriber
    can be cut off as too slow: a loss here would be the back-pressure's.)"""
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub_name())
    result = subprocess.run(
        [_binary(), "bench", "fanout", "--connection-string", local.connection_string, "--hub", hub, "--subscribers", "50",
         "--publishers", "8", "--via", "rest", "--count", "2000", "--size", "8000", "--format", "json", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout)
    assert measured["delivered"] == 100_000 and measured["lost"] == 0 and measured["duplicated"] == 0, measured
    check(local, probe, "8 REST publishers, 128 requests in flight, 8 KB messages to 50 subscribers")


def test_a_reliable_client_that_never_acks_is_closed_with_1008_after_1000_messages(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    client = RawClient(local, hub, subprotocol="json.reliable.webpubsub.azure.v1")
    connected_message(client)
    publish_many(local, hub, 1100, "m")
    sequenced = 0
    close = None
    for message in client.messages():
        if "close" in message:
            close = message["close"]
        elif message.get("type") == "message":
            sequenced += 1
    assert close == 1008
    assert sequenced == 1000
    check(local, probe, "a reliable client that never acks 1,100 messages")


def recovery_url(local, hub, connected):
    query = urllib.parse.urlencode({"awps_connection_id": connected["connectionId"], "awps_reconnection_token": connected["reconnectionToken"]})
    return f"ws://localhost:{local.port}/client/hubs/{hub}?{query}"


def test_1000_dropped_reliable_sessions_are_kept_30_s_and_then_gone(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    server = server_client(local, hub)
    before = memory_kib(local.process)
    sessions = []
    for _ in range(1000):
        client = RawClient(local, hub, subprotocol="json.reliable.webpubsub.azure.v1")
        sessions.append(connected_message(client))
        client.socket.close()  # no close frame: the session waits for a recovery
    dropped_at = time.monotonic()
    growth = (memory_kib(local.process) - before) // 1024
    recovered = RawClient(local, hub, subprotocol="json.reliable.webpubsub.azure.v1", url=recovery_url(local, hub, sessions[0]))
    assert recovered.status == 101
    recovered.close()
    assert server.connection_exists(sessions[1]["connectionId"])
    wait_for(lambda: not server.connection_exists(sessions[-1]["connectionId"]), "the sessions' end", within=30 + WAIT)
    ended_after = time.monotonic() - dropped_at
    assert ended_after >= 25, f"the detached sessions ended after {ended_after:.1f} s, before their 30 s"
    late = RawClient(local, hub, subprotocol="json.reliable.webpubsub.azure.v1", url=recovery_url(local, hub, sessions[2]))
    # The session is gone: the upgrade succeeds and the service closes with 1008, which tells the
    # client to start a new connection (protocol reference §6.4).
    assert late.status == 101
    assert late.close_code() == 1008
    late.close()
    assert growth < 64, f"1,000 detached sessions grew memory {growth} MiB"
    check(local, probe, "1,000 dropped reliable sessions", rss_growth_mib=growth, ended_after_s=round(ended_after, 1))


def test_message_ttls_outside_0_to_300_are_400(stopped):
    local = stopped()
    probe = Probe(local, hub_name())
    for ttl in ["-1", "301", "1e9", "x", "9223372036854775808", "9" * 1000]:
        status, body = rest(local, "POST", "/api/hubs/h/:send", f"&messageTtlSeconds={ttl}", b"x", {"Content-Type": "text/plain"})
        assert status == 400, (ttl, status, body[:200])
        assert b"messageTtlSeconds" in body
    for ttl in ["0", "300"]:
        status, _ = rest(local, "POST", "/api/hubs/h/:send", f"&messageTtlSeconds={ttl}", b"x", {"Content-Type": "text/plain"})
        assert status == 202
    check(local, probe, "messageTtlSeconds past 0-300")


def test_filters_past_100_clauses_or_1000_terms_are_400(stopped):
    local = stopped()
    probe = Probe(local, hub_name())

    def send(filter_text):
        return rest(local, "POST", "/api/hubs/h/:send", "&filter=" + urllib.parse.quote(filter_text), b"x", {"Content-Type": "text/plain"})

    clauses = lambda count: " or ".join(f"userId eq 'u{index}'" for index in range(count))  # noqa: E731
    assert send(clauses(100))[0] == 202
    status, body = send(clauses(101))
    assert status == 400 and b"101 clauses" in body, body[:300]
    terms = " and ".join(["(userId ne 'a')"] * 400)
    status, body = send(terms)
    assert status == 400 and b"terms" in body, body[:300]
    check(local, probe, "filters of 101 clauses and 1,000+ terms")


def test_a_client_that_never_answers_pings_is_closed_as_ping_timeout(stopped):
    local = stopped("--keepalive-interval", "1")
    hub = hub_name()
    probe = Probe(local, hub)  # reads all the time, so it answers (websocket-client pongs for it)
    silent = RawClient(local, hub)
    connected_message(silent)
    started = time.monotonic()
    pings, disconnected, close = 0, None, None
    silent.socket.settimeout(WAIT)
    while close is None:
        header = silent.socket.recv(2, socket.MSG_WAITALL)
        assert len(header) == 2, "the socket ended without a close frame"
        opcode, length = header[0] & 0x0F, header[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", silent.socket.recv(2, socket.MSG_WAITALL))[0]
        payload = silent.socket.recv(length, socket.MSG_WAITALL) if length else b""
        if opcode == 0x9:
            pings += 1  # and no pong
        elif opcode == 0x1:
            disconnected = json.loads(payload)
        elif opcode == 0x8:
            close = struct.unpack("!H", payload[:2])[0]
    elapsed = time.monotonic() - started
    assert close == 1001
    assert disconnected and disconnected.get("event") == "disconnected" and "PingTimeout" in disconnected.get("message", ""), disconnected
    assert pings >= 1 and 1 <= elapsed < 5, (pings, elapsed)
    # The probe, which answers, was kept through many pings.
    assert probe.latency() < PROBE_BOUND
    check(local, probe, "a client that never answers pings", closed_after_s=round(elapsed, 1))


def test_a_10_kb_close_reason_is_cut_to_123_bytes_at_a_character(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    client = RawClient(local, hub)
    connection_id = connected_message(client)["connectionId"]
    reason = "é" * 5000  # 10,000 bytes of two-byte characters
    status, body = rest(local, "DELETE", f"/api/hubs/{hub}/connections/{connection_id}", "&reason=" + urllib.parse.quote(reason))
    assert status == 204, body
    disconnected, close_payload = None, None
    while close_payload is None:
        got = client.read_frame()
        assert got is not None, "the socket ended without a close frame"
        opcode, payload = got
        if opcode == 0x1:
            disconnected = json.loads(payload)
        elif opcode == 0x8:
            close_payload = payload
    assert disconnected["message"] == reason
    cut = close_payload[2:]
    assert len(cut) <= 123 and len(cut) >= 120, len(cut)
    assert cut.decode("utf-8") == "é" * (len(cut) // 2)
    check(local, probe, "a 10 KB close reason")


def test_hub_and_group_names_past_their_limits_are_refused(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    long_hub = "h" * 129
    status, body = rest(local, "POST", f"/api/hubs/{long_hub}/:send", "", b"x", {"Content-Type": "text/plain"})
    assert status == 400 and b"128" in body, (status, body[:200])
    assert rest(local, "POST", f"/api/hubs/{'h' * 128}/:send", "", b"x", {"Content-Type": "text/plain"})[0] == 202
    refused = RawClient(local, long_hub, url=client_url(local, long_hub))
    assert refused.status == 400, refused.head
    refused.close()
    long_group = "g" * 1025
    status, body = rest(local, "POST", f"/api/hubs/{hub}/groups/{long_group}/:send", "", b"x", {"Content-Type": "text/plain"})
    assert status == 400 and b"1024" in body, (status, body[:200])
    assert rest(local, "POST", f"/api/hubs/{hub}/groups/{'g' * 1024}/:send", "", b"x", {"Content-Type": "text/plain"})[0] == 202
    joiner = RawClient(local, hub, roles=["webpubsub.joinLeaveGroup"])
    connected_message(joiner)
    joiner.send(text(json.dumps({"type": "joinGroup", "group": long_group, "ackId": 1})))
    ack = next(joiner.messages())
    assert ack["success"] is False and ack["error"]["name"] == "BadRequest", ack
    joiner.send(text(json.dumps({"type": "joinGroup", "group": " \t ", "ackId": 2})))
    assert next(joiner.messages())["success"] is False
    joiner.close()
    check(local, probe, "hub and group names past their limits")


def test_the_cli_refuses_lifetimes_and_durations_past_their_limits():
    key = "Endpoint=http://localhost:1;AccessKey=" + "k" * 44 + ";Version=1.0;"
    env = {**os.environ, "WebPubSubConnectionString": key}
    cases = [
        (["token", "--hub", "h", "--expires", "500ms"], "shorter than one second"),
        (["token", "--hub", "h", "--expires", "36501d"], "100 years"),
        (["token", "--hub", "h", "--expires", "99999999999999999999999s"], "--expires"),
        (["serve", "--handshake-timeout", "36501d"], "100 years"),
        (["serve", "--keepalive-interval", "121"], "120"),
    ]
    for arguments, expected in cases:
        result = subprocess.run([str(_binary()), *arguments], capture_output=True, text=True, env=env, timeout=WAIT)
        assert result.returncode == 64, (arguments, result.returncode, result.stderr)
        assert expected in result.stderr, (arguments, result.stderr)
        assert "k" * 44 not in result.stderr + result.stdout
    accepted = subprocess.run([str(_binary()), "token", "--hub", "h", "--expires", "36500d", "--output", "token"], capture_output=True, text=True, env=env, timeout=WAIT)
    assert accepted.returncode == 0, accepted.stderr


def test_role_patterns_past_their_limits_grant_nothing(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    six_stars = "webpubsub.joinLeaveGroups.a*b*c*d*e*f*"
    five_stars = "webpubsub.joinLeaveGroups.v*w*x*y*z*"
    too_long = "webpubsub.joinLeaveGroups." + "a" * 1030
    client = RawClient(local, hub, url=client_url(local, hub, role=[six_stars, too_long, five_stars]))
    connected_message(client)
    adversarial_group = "a" * 1023 + "z"  # the worst case for a backtracking matcher
    for ack_id, group, allowed in [(1, "abcdef", False), (2, "a" * 1024, False), (3, "vwxyz", True), (4, adversarial_group, False)]:
        client.send(text(json.dumps({"type": "joinGroup", "group": group, "ackId": ack_id})))
        ack = next(client.messages())
        assert ack["success"] is allowed, (group[:20], ack)
    client.close()
    status, body = rest(local, "POST", f"/api/hubs/{hub}/:generateToken", "&role=" + urllib.parse.quote(six_stars))
    assert status == 400 and b"at most 5 are allowed" in body, (status, body[:300])
    check(local, probe, "role patterns past five stars and 1,029 characters")


def test_tokens_outside_the_60_s_clock_skew_are_401(stopped):
    local = stopped()
    hub = hub_name()
    probe = Probe(local, hub)
    now = int(time.time())
    for claims, accepted in [
        ({"nbf": now + 120}, False),
        ({"nbf": now + 30}, True),
        ({"exp": now - 120, "iat": now - 600}, False),
        ({"exp": now - 30, "iat": now - 600}, True),
    ]:
        client = RawClient(local, hub, url=client_url(local, hub, **claims))
        assert (client.status == 101) is accepted, (claims, client.status, client.head)
        if not accepted:
            assert client.status == 401
        client.close()
    check(local, probe, "tokens past the clock skew")


def test_3000_distinct_tokens_and_oversized_ones_keep_the_token_cache_bounded(stopped):
    local = stopped()
    hub, other = hub_name(), hub_name()
    probe = Probe(local, hub)
    before = memory_kib(local.process)
    for index in range(3000):
        client = RawClient(local, hub, url=client_url(local, hub, sub=f"u{index}", padding="p" * 3000))
        assert client.status == 101
        client.close()
    for _ in range(200):  # over 4 KB: verified every time, never kept
        client = RawClient(local, hub, url=client_url(local, hub, padding="q" * 5000))
        assert client.status == 101
        client.close()
    growth = (memory_kib(local.process) - before) // 1024
    # A token the cache holds is still checked against the hub it is used for.
    url = client_url(local, hub, sub="cached")
    first = RawClient(local, hub, url=url)
    assert first.status == 101
    first.close()
    elsewhere = RawClient(local, other, url=url.replace(f"/hubs/{hub}?", f"/hubs/{other}?"))
    assert elsewhere.status == 401, elsewhere.head
    elsewhere.close()
    assert growth < 32, f"3,200 distinct tokens grew memory {growth} MiB"
    check(local, probe, "3,000 distinct 3 KB tokens and 200 of 5 KB", rss_growth_mib=growth)
