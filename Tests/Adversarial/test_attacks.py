"""Attacks on the real `pubsub serve`: during and after each one the service stays up, a
well-behaved client (the official service SDK publishing, a JSON-subprotocol subscriber) still gets
a publish within PROBE_BOUND, and the service's peak resident memory stays under CEILING_MIB.

Each test runs its own service, so its VmHWM is that attack's peak. The figures are printed and,
with PUBSUB_ATTACK_REPORT set, appended to that file (scripts/test.sh prints them at the end)."""

import http.client
import json
import os
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from attack_helpers import (
    PROBE_BOUND,
    WAIT,
    LocalService,
    Probe,
    RawClient,
    _binary,
    check,
    frame,
    hub_name,
    memory_kib,
    open_descriptors,
    publish_many,
    report,
    rest,
    rest_token,
    server_client,
    service,
    text,
)

@pytest.fixture
def local():
    running = service("--handshake-timeout", "2s", "--http-idle-timeout", "3s", "--max-connections-per-user", "200")
    yield running
    assert running.process.poll() is None, "the service died: " + running.process.stderr.read()
    status = running.stop()
    assert status == 0, f"pubsub serve exited {status}: " + running.process.stderr.read()


def test_generate_token_with_a_huge_lifetime_is_a_400(local):
    probe = Probe(local, hub_name())
    for minutes in ["9223372036854775807", "2147483648", "0", "-1", "1e9", "x" * 1000]:
        status, body = rest(local, "POST", "/api/hubs/h/:generateToken", f"&minutesToExpire={minutes}")
        assert status == 400, (minutes, status)
        assert json.loads(body)["code"] == "InvalidMinutesToExpire"
    status, body = rest(local, "POST", "/api/hubs/h/:generateToken", "&minutesToExpire=2147483647")
    assert status == 200 and json.loads(body)["token"]
    check(local, probe, "generateToken minutesToExpire=Int64.max")


def test_a_filter_nested_5000_deep_is_a_400(local):
    probe = Probe(local, hub_name())
    nested = "(" * 5000 + "userId eq 'a'" + ")" * 5000
    status, body = rest(local, "POST", "/api/hubs/h/:send", "&filter=" + urllib.request.quote(nested), b"x", {"Content-Type": "text/plain"})
    assert status == 400 and b"deep" in body, (status, body[:200])
    long_chain = " and ".join(["true"] * 3000)
    status, _ = rest(local, "POST", "/api/hubs/h/:send", "&filter=" + urllib.request.quote(long_chain), b"x", {"Content-Type": "text/plain"})
    assert status == 400
    status, _ = rest(local, "GET", "/api/hubs/h/groups/g/connections", "&continuationToken=9223372036854775807")
    assert status == 200
    check(local, probe, "filter 5,000 parentheses deep")


def test_2000_half_sent_requests_are_timed_out(local):
    probe = Probe(local, hub_name())
    baseline = open_descriptors(local.process)
    sockets = []
    for _ in range(2000):
        half = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
        half.sendall(b"GET /client/hubs/chat?access_tok")
        sockets.append(half)
    # A REST request whose body never comes: the HTTP idle timeout ends it.
    stalled = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
    stalled.sendall(b"POST /api/hubs/h/:send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    assert probe.latency() < PROBE_BOUND
    started = time.monotonic()
    answers = []
    for half in sockets:
        answer = half.recv(4096)  # blocks until the service answers and closes
        answers.append(answer)
        half.close()
    closed_after = time.monotonic() - started
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), {a[:40] for a in answers}
    assert b"--handshake-timeout" in answers[0]
    # The stalled request is closed by the idle timeout (whatever it was answered, the socket ends).
    stalled.settimeout(WAIT)
    while stalled.recv(4096):
        pass
    stalled.close()
    # Every descriptor came back.
    deadline = time.monotonic() + WAIT
    while open_descriptors(local.process) > baseline + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_descriptors(local.process) <= baseline + 5
    check(local, probe, "2,000 half-sent requests (slowloris)", closed_within_s=round(closed_after, 2))


def test_a_client_that_reads_nothing_while_1mb_messages_are_sent_is_cut_off(local):
    probe = Probe(local, hub_name())
    hub = hub_name()
    sleeper = RawClient(local, hub, receive_buffer=4096)
    assert sleeper.status == 101
    connection_id = json.loads(sleeper.read_frame()[1])["connectionId"]
    server = server_client(local, hub)
    assert server.connection_exists(connection_id)
    message = b"x" * ((1 << 20) - 16)
    # 40 MB towards a client that reads nothing: the service keeps at most its outbound limit
    # (16 MB) for it, then closes it as a slow client. (The socket is not read to its end: what the
    # kernel still holds for it trickles through a 4 KB window for minutes.)
    for _ in range(40):
        server.send_to_all(message, content_type="application/octet-stream")
        assert probe.latency() < PROBE_BOUND
    deadline = time.monotonic() + WAIT
    while server.connection_exists(connection_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.connection_exists(connection_id), "the non-reading client was not closed"
    sleeper.close()
    check(local, probe, "non-reader sent 40 x 1 MB")


def test_a_ping_flood_that_never_reads_is_held_to_one_owed_pong(local):
    """200,000 pings from a client that reads nothing: while its socket takes no more, the service
    owes it only the latest ping's pong, so it receives far fewer pongs than it sent pings; and
    the last ping, sent once it reads again, is answered."""
    hub = hub_name()
    probe = Probe(local, hub)
    flooder = RawClient(local, hub)
    assert next(flooder.messages()).get("event") == "connected"
    ping = frame(0x9, b"p" * 125)
    flood = memoryview(ping * 200_000)
    before = memory_kib(local.process)
    # Sent without blocking and byte-exact, 200,000 pings or until the socket takes nothing for
    # 5 s (a peer that never reads can end with TCP itself stuck, its full receive buffer dropping
    # the segments that carry the service's window updates). The pongs fill the flooder's receive
    # buffer and the service's send buffer (about 10 MB: 80,000 pongs) long before the end.
    flooder.socket.setblocking(False)
    offset = 0
    stalled_since = None
    started = time.monotonic()
    while offset < len(flood):
        try:
            offset += flooder.socket.send(flood[offset : offset + (1 << 20)])
            stalled_since = None
        except BlockingIOError:
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 5:
                break
            select.select([], [flooder.socket], [], 0.1)
    flood_seconds = round(time.monotonic() - started, 1)
    pings = offset // len(ping)
    assert pings >= 8_000, f"only {pings} pings were taken"
    growth = (memory_kib(local.process) - before) // 1024
    assert probe.latency() < PROBE_BOUND
    # Now it reads: the pongs the service sent arrive, then the rest of the flood and a last ping.
    flooder.socket.setblocking(True)
    flooder.socket.settimeout(WAIT)
    counts = {"pongs": 0, "last": False, "other": []}
    done = threading.Event()

    def read():
        data = bytearray()
        while not done.is_set():
            chunk = flooder.socket.recv(1 << 20)
            if not chunk:
                break
            data += chunk
            position = 0
            while len(data) - position >= 2:
                length = data[position + 1] & 0x7F
                if length > 125 or len(data) - position < 2 + length:
                    break
                opcode, payload = data[position] & 0x0F, bytes(data[position + 2 : position + 2 + length])
                position += 2 + length
                if opcode == 0xA and payload == b"last":
                    counts["last"] = True
                    done.set()
                elif opcode == 0xA:
                    counts["pongs"] += 1
                elif opcode not in (0x1, 0x9):  # the probe's publishes and the service's keepalive ping
                    counts["other"].append((opcode, payload[:50]))
            del data[:position]

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    flooder.socket.sendall(bytes(flood[offset : offset + (len(ping) - offset % len(ping)) % len(ping)]) + frame(0x9, b"last"))
    assert done.wait(WAIT), f"no pong to the last ping within {WAIT} s ({counts['pongs']} pongs came)"
    sent = pings + (1 if offset % len(ping) else 0)
    assert counts["other"] == []
    # Without the bound every ping gets its pong; with it the pings that came while the socket was
    # full share one.
    assert counts["pongs"] < sent // 2, f"{counts['pongs']} pongs for {sent} pings: they were queued, not owed"
    assert growth < 8, f"memory grew {growth} MiB during the flood"
    check(local, probe, "ping flood never read", pings=sent, pongs=counts["pongs"], flood_s=flood_seconds, rss_growth_mib=growth)
    flooder.close()


def acked(client, frames):
    """Sends the frames and reads their acks: a client that reads what it asked for, in windows of
    a few thousand (a client that never reads its acks is cut off as slow: another test)."""
    client.send(b"".join(frames))
    acks = []
    while len(acks) < len(frames):
        got = client.read_frame()
        if got is None or got[0] == 0x8:
            break
        # Only the refusals are parsed: a million successes are just counted.
        if got[0] == 0x1 and got[1].startswith(b'{"type":"ack"'):
            acks.append({"success": True} if b'"success":true' in got[1] else json.loads(got[1]))
    if len(acks) == len(frames):
        return acks
    raise AssertionError(f"the socket closed after {len(acks)} of {len(frames)} acks")


def test_a_million_distinct_ack_ids_are_a_window(local):
    hub = hub_name()
    probe = Probe(local, hub)
    client = RawClient(local, hub, roles=["webpubsub.joinLeaveGroup"])
    assert client.status == 101
    total, window = 1_000_000, 2000
    duplicates = 0
    for start in range(1, total + 1, window):
        frames = [text('{"type":"leaveGroup","group":"g","ackId":%d}' % i) for i in range(start, start + window)]
        duplicates += sum(1 for ack in acked(client, frames) if not ack["success"])
        if start % 200_000 == 1:
            assert probe.latency() < PROBE_BOUND
    assert duplicates == 0
    # The newest are remembered, the oldest forgotten (the window is 1024).
    recent, old = acked(client, [text('{"type":"leaveGroup","group":"g","ackId":%d}' % total), text('{"type":"leaveGroup","group":"g","ackId":1}')])
    assert recent["error"]["name"] == "Duplicate"
    assert old["success"]
    check(local, probe, "1,000,000 distinct ackIds")
    client.close()


def test_100000_joins_stop_at_the_group_limit(local):
    hub = hub_name()
    probe = Probe(local, hub)
    client = RawClient(local, hub, roles=["webpubsub.joinLeaveGroup"])
    total, window = 100_000, 2000
    succeeded = refused = 0
    for start in range(1, total + 1, window):
        frames = [text('{"type":"joinGroup","group":"g%d","ackId":%d}' % (i, i)) for i in range(start, start + window)]
        for ack in acked(client, frames):
            if ack["success"]:
                succeeded += 1
            else:
                assert "1000 groups" in ack["error"]["message"]
                refused += 1
    assert (succeeded, refused) == (1000, total - 1000)
    assert probe.latency() < PROBE_BOUND
    check(local, probe, "100,000 joins to distinct groups")
    client.close()


def test_fragmented_messages_that_never_end_are_closed_at_the_size_limit(local):
    hub = hub_name()
    probe = Probe(local, hub)
    big = RawClient(local, hub)
    big.send(frame(0x1, b"[", fin=False))
    for _ in range(40):  # 2.5 MB of continuations, never a final one
        try:
            big.send(frame(0x0, b"1," * 32768, fin=False))
        except OSError:
            break
    assert big.close_code() == 1009
    many = RawClient(local, hub)
    many.send(frame(0x1, b"", fin=False) + frame(0x0, b"", fin=False) * 20_000)
    assert many.close_code() == 1009
    check(local, probe, "fragmented messages that never end")


def test_invalid_utf8_is_closed_with_1007(local):
    hub = hub_name()
    probe = Probe(local, hub)
    client = RawClient(local, hub)
    client.send(frame(0x1, b'{"type":"ping","x":"\xff\xfe"}'))
    assert client.close_code() == 1007
    check(local, probe, "invalid UTF-8")


def test_an_endless_rest_body_is_refused_and_the_connection_ends(local):
    """A body over the limit gets its 413 and the connection then ends within the linger (2 s)
    however much more the client sends: it announces 10 GiB and keeps sending until the service
    closes, which it must do long before the 10 GiB are through."""
    probe = Probe(local, hub_name())
    path = "/api/hubs/h/:send"
    upload = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
    announced = 10 << 30
    upload.sendall(
        (
            f"POST {path}?api-version=2024-01-01 HTTP/1.1\r\nHost: localhost:{local.port}\r\n"
            f"Authorization: Bearer {rest_token(local, path)}\r\nContent-Type: text/plain\r\nContent-Length: {announced}\r\n\r\n"
        ).encode()
    )
    chunk = b"x" * (1 << 20)
    sent = 0
    started = time.monotonic()
    try:
        while sent < (announced >> 20):
            upload.sendall(chunk)
            sent += 1
    except OSError:
        pass  # the service closed the connection
    ended_after = time.monotonic() - started
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            part = upload.recv(4096)
            if not part:
                break
            answer += part
    except OSError:
        pass
    upload.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert b"connection: close" in answer.lower(), answer[:300]
    assert sent < (announced >> 20), "the service read all 10 GiB instead of ending the connection"
    check(local, probe, "endless REST body", mib_sent_before_close=sent, closed_after_s=round(ended_after, 2))


def test_unauthenticated_sse_publishes_to_many_hubs_are_401_and_keep_nothing(local):
    """20,000 anonymous publishes of 1 KB, each to a hub of its own, on one kept-alive connection:
    every one is a 401 and the service keeps nothing of them: memory grows by less than 4 MiB
    (the bodies alone are 20 MB; a hub or a body kept per request would be more)."""
    probe = Probe(local, hub_name())
    connection = http.client.HTTPConnection("127.0.0.1", local.port, timeout=WAIT)
    body = b"x" * 1000
    statuses = set()
    for index in range(1000):  # warm up: buffers and allocator arenas reach their steady size
        connection.request("POST", f"/publish?hub=w{index}", body=body, headers={"Content-Type": "text/plain"})
        response = connection.getresponse()
        response.read()
        statuses.add(response.status)
    before = memory_kib(local.process)
    for index in range(20_000):
        connection.request("POST", f"/publish?hub=h{index}", body=body, headers={"Content-Type": "text/plain"})
        response = connection.getresponse()
        response.read()
        statuses.add(response.status)
    growth = (memory_kib(local.process) - before) / 1024
    connection.close()
    assert statuses == {401}, statuses
    assert growth < 4, f"memory grew {growth:.1f} MiB over 20,000 refused publishes"
    check(local, probe, "20,000 anonymous SSE publishes to distinct hubs", rss_growth_mib=round(growth, 1))


def test_thousands_of_connections_from_one_user_are_refused_past_the_limit(local):
    hub = hub_name()
    probe = Probe(local, hub)
    clients, refused = [], []
    for _ in range(2000):
        client = RawClient(local, hub, user="mallory")
        if client.status == 101:
            clients.append(client)
        else:
            refused.append(client.status)
            if len(refused) == 1:
                assert "user \"mallory\" already has 200 connections" in client.rest_of_body()
            client.close()
    assert len(clients) == 200
    assert set(refused) == {429} and len(refused) == 1800
    other = RawClient(local, hub, user="alice")
    assert other.status == 101
    check(local, probe, "2,000 connections from one user")
    for client in clients + [other]:
        client.close()


def test_an_event_handler_that_answers_slowly_hugely_or_with_wrong_types(tmp_path):
    from event_upstream import Answer, Upstream

    upstream = Upstream()
    local = service("--event-handler", f"*={upstream.template} user=* system=connect", "--event-handler-timeout", "1s")
    try:
        slow, huge, wrong = hub_name(), hub_name(), hub_name()
        gate = upstream.gate()
        upstream.on(slow, "connect", lambda request: Answer(200, b"{}", "application/json", wait=gate))
        upstream.on(huge, "connect", lambda request: Answer(200, b'{"groups":["' + b"g" * (4 << 20) + b'"]}', "application/json"))
        upstream.on(wrong, "connect", lambda request: Answer(200, b'{"userId":7,"groups":5,"roles":"x"}', "application/json"))
        upstream.on(wrong, "message", lambda request: Answer(200, b"\xff" * 100, "text/plain"))
        upstream.on(huge, "message", lambda request: Answer(200, b"x" * (4 << 20), "text/plain"))
        probe = Probe(local, hub_name())
        refusals = {}
        for name, hub in [("slow", slow), ("huge", huge), ("wrong", wrong)]:
            client = RawClient(local, hub)
            refusals[name] = (client.status, client.rest_of_body())
            client.close()
            assert probe.latency() < PROBE_BOUND
        assert refusals["slow"][0] == 504 and "did not answer within 1 s" in refusals["slow"][1], refusals["slow"]
        assert refusals["huge"][0] == 502 and "over 1048576 bytes" in refusals["huge"][1], refusals["huge"]
        assert refusals["wrong"][0] == 500 and "userId that is not a string" in refusals["wrong"][1], refusals["wrong"]
        # User events whose answers are huge or not the text they claim: the ack says so, the
        # connection stays.
        no_connect = hub_name()
        upstream.on(no_connect, "message", lambda request: Answer(200, b"x" * (4 << 20), "text/plain"))
        client = RawClient(local, no_connect)
        assert client.status == 101
        client.send(text('{"type":"event","event":"message","dataType":"text","data":"hi","ackId":1}'))
        ack = next(m for m in client.messages() if m.get("type") == "ack")
        assert ack["success"] is False and ack["error"]["name"] == "InternalServerError", ack
        client.close()
        check(local, probe, "event handler: slow, 4 MB, wrong types")
    finally:
        upstream.stop()
        assert local.process.poll() is None, "the service died: " + local.process.stderr.read()
        assert local.stop() == 0


def cpu_seconds(process):
    """The process's user and system CPU time so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_400_clients_against_a_256_file_limit_wait_without_spinning_and_are_served_once_others_leave():
    # The service under `ulimit -n 256`, with 400 clients connecting at once: it upgrades what its
    # descriptors allow, then accepting pauses (100 ms between tries) instead of failing in a loop.
    local = LocalService(_binary(), open_files=256)
    try:
        hub = hub_name()
        probe = Probe(local, hub)
        assert probe.latency() < PROBE_BOUND  # its REST connection is kept alive through the storm
        url = server_client(local, hub).get_client_access_token()["url"]
        parts = urlsplit(url)
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1:{local.port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: json.webpubsub.azure.v1\r\n\r\n"
        ).encode()
        storm = []
        for _ in range(400):
            client = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
            client.sendall(request)
            storm.append(client)
        # Wait for the service to reach its limit (every descriptor in use), then measure its CPU
        # while the rest of the storm waits in the accept queue.
        deadline = time.monotonic() + WAIT
        while open_descriptors(local.process) < 250 and time.monotonic() < deadline:
            time.sleep(0.05)
        at_limit = open_descriptors(local.process)
        assert at_limit >= 250, f"the service holds only {at_limit} descriptors"
        window = 3.0
        before = cpu_seconds(local.process)
        started = time.monotonic()
        time.sleep(window)  # a measurement window, not a wait for an event
        cpu_share = (cpu_seconds(local.process) - before) / (time.monotonic() - started)
        # Connections it already had are served meanwhile: the probe's socket and its REST connection.
        waiting_latency = probe.latency()
        assert waiting_latency < PROBE_BOUND
        assert cpu_share < 0.15, f"the service used {cpu_share:.0%} of a core while clients waited to be accepted"
        # The storm leaves; a new client is served as soon as descriptors free up.
        for client in storm:
            client.close()
        left = time.monotonic()
        fresh = RawClient(local, hub_name())
        assert fresh.status == 101
        assert json.loads(fresh.read_frame()[1])["event"] == "connected"
        served_after = time.monotonic() - left
        fresh.close()
        assert probe.latency() < PROBE_BOUND
        report(
            "400 clients against ulimit -n 256",
            local,
            probe.latencies,
            descriptors_at_limit=at_limit,
            service_cpu_while_waiting=round(cpu_share, 3),
            new_client_served_after_s=round(served_after, 2),
        )
        probe.close()
    finally:
        assert local.process.poll() is None, "the service died: " + local.process.stderr.read()
        status = local.stop()
    log = local.process.stderr.read()
    assert status == 0, f"pubsub serve exited {status}: {log}"
    warnings = [line for line in log.splitlines() if "cannot accept connections" in line]
    assert len(warnings) == 1, f"expected one log line for the episode, got {len(warnings)}: {log}"
    assert "ulimit -n" in warnings[0] and "256" in warnings[0] and "LimitNOFILE" in warnings[0], warnings[0]
    # At start it printed the limit, and warned that it cannot hold --max-connections clients.
    assert "Open files: limit 256\n" in local.process.stdout.read()
    assert "Warning: the open-files limit (256) is below the 50256 that --max-connections 50000 needs" in log, log


def test_streams_whose_readers_read_nothing_do_not_hold_the_shutdown():
    """An SSE reader and a trace client that stopped reading keep their connections' writes
    pending forever: SIGTERM still ends the service, with exit 0, within the bounded wait (6 s)."""
    local = service()
    hub = hub_name()
    token = server_client(local, hub).get_client_access_token()["token"]
    stalled = []
    for request in (
        f"GET /events?hub={hub}&access_token={token} HTTP/1.1\r\nHost: x\r\n\r\n",
        f"GET /trace HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {rest_token(local, '/trace', role=['pubsub.trace'])}\r\n\r\n",
    ):
        reader = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.sendall(request.encode())
        assert reader.recv(12).startswith(b"HTTP/1.1 200")
        stalled.append(reader)
    publish_many(local, hub, 50, "s" * 100_000)  # 5 MB: more than the two sockets' buffers hold
    started = time.monotonic()
    local.process.terminate()
    status = local.process.wait(timeout=WAIT)
    stopped_after = time.monotonic() - started
    for reader in stalled:
        reader.close()
    assert status == 0, local.process.stderr.read()
    assert stopped_after < 8, f"the shutdown took {stopped_after:.1f} s"
    assert "connections still open 6 s after the shutdown began" in local.process.stderr.read()
