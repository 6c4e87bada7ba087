"""What the attacks are made of: raw sockets that speak just enough WebSocket to misbehave, a
well-behaved probe that measures how long a publish takes to reach it, and the service's memory."""

import base64
import http.client
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import websocket
from azure.messaging.webpubsubservice import WebPubSubServiceClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Conformance"))

from conftest import LocalService, _binary  # noqa: E402

WAIT = 30  # seconds any single expected event may take, even with an attack under way
# The stated bounds: a publish reaches the probe within this many seconds during any attack, and
# the service never holds more than this much memory (a debug build idles at about 30 MiB).
PROBE_BOUND = 2.0
CEILING_MIB = 256


def service(*options):
    """`pubsub serve --port 0` with these options."""
    return LocalService(_binary(), *options)


def memory_kib(process, field="VmRSS"):
    """A field of /proc/<pid>/status in KiB: VmRSS now, VmHWM the peak so far."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {process.pid}")


def start_reading(sock):
    """Makes a socket that was given a tiny receive buffer (to stall its peer quickly) take data at
    loopback speed again: with a window smaller than one segment, TCP's silly-window avoidance
    sends about 20 KB/s."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.settimeout(WAIT)


def open_descriptors(process):
    return len(os.listdir(f"/proc/{process.pid}/fd"))


def report(name, local, latencies, **extra):
    """Records an attack's figures (printed; appended to $PUBSUB_ATTACK_REPORT when set)."""
    peak = memory_kib(local.process, "VmHWM")
    line = {
        "attack": name,
        "peak_rss_mib": round(peak / 1024, 1),
        "probe_p50_ms": round(sorted(latencies)[len(latencies) // 2] * 1000, 1) if latencies else None,
        "probe_max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        **extra,
    }
    print(json.dumps(line))
    path = os.environ.get("PUBSUB_ATTACK_REPORT")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps(line) + "\n")
    return peak


def server_client(local, hub):
    return WebPubSubServiceClient.from_connection_string(local.connection_string, hub=hub)


def hub_name():
    return "a" + uuid.uuid4().hex[:12]


class Probe:
    """A well-behaved subscriber on the JSON subprotocol, and the official service SDK publishing to
    it: `latency()` is the time from the REST send to the message arriving. It reads all the time
    (a thread), so it answers the service's pings as a real client does."""

    def __init__(self, local, hub):
        self.server = server_client(local, hub)
        url = self.server.get_client_access_token(roles=["webpubsub.joinLeaveGroup"])["url"]
        self.socket = websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=None)
        connected = json.loads(self.socket.recv())
        assert connected.get("event") == "connected", connected
        self.latencies = []
        self.arrived = {}
        self.ended = None
        self.condition = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                message = json.loads(self.socket.recv())
                if message.get("type") == "message":
                    with self.condition:
                        self.arrived[message.get("data")] = time.perf_counter()
                        self.condition.notify_all()
        except Exception as error:  # the socket ended: say so to whoever waits
            with self.condition:
                self.ended = error
                self.condition.notify_all()

    def latency(self):
        marker = "probe-" + uuid.uuid4().hex
        started = time.perf_counter()
        self.server.send_to_all(marker, content_type="text/plain")
        with self.condition:
            self.condition.wait_for(lambda: marker in self.arrived or self.ended is not None, timeout=WAIT)
            assert marker in self.arrived, f"the probe got no publish within {WAIT} s (socket ended: {self.ended!r})"
            elapsed = self.arrived.pop(marker) - started
        self.latencies.append(elapsed)
        return elapsed

    def close(self):
        self.socket.close()


def frame(opcode, payload=b"", fin=True):
    """A client frame, masked with the all-zero key (RFC 6455 allows any key; this one leaves the
    payload as it is, so a million frames cost nothing to build)."""
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    return header + b"\0\0\0\0" + payload


def text(payload):
    return frame(0x1, payload if isinstance(payload, bytes) else payload.encode())


class RawClient:
    """A WebSocket client on a bare socket: it sends what it is told and reads only when asked."""

    def __init__(self, local, hub, subprotocol="json.webpubsub.azure.v1", user=None, roles=(), receive_buffer=None, url=None):
        """Connects with a token minted by the service SDK, or with `url` as given."""
        url = url or server_client(local, hub).get_client_access_token(user_id=user, roles=list(roles))["url"]
        parts = urlsplit(url)
        self.socket = socket.create_connection(("127.0.0.1", local.port), timeout=WAIT)
        if receive_buffer:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1:{local.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + (f"Sec-WebSocket-Protocol: {subprotocol}\r\n" if subprotocol else "")
            + "\r\n"
        )
        self.socket.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("closed during the handshake: " + self.buffer.decode(errors="replace"))
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ", 2)[1])
        self.head = head.decode(errors="replace")

    def rest_of_body(self):
        """What the service sent after a refusal's head, until it closed."""
        body = bytes(self.buffer)
        while True:
            chunk = self.socket.recv(65536)
            if not chunk:
                return body.decode(errors="replace")
            body += chunk

    def send(self, data):
        self.socket.sendall(data)

    def read_frame(self):
        """The next frame as (opcode, payload); None when the socket closed. The buffer is read
        from an offset and compacted now and then (slicing it per frame made a million small
        frames quadratic)."""
        if not isinstance(self.buffer, bytearray):
            self.buffer, self.position = bytearray(self.buffer), 0

        def need(count):
            while len(self.buffer) - self.position < count:
                chunk = self.socket.recv(1 << 20)
                if not chunk:
                    return False
                if self.position > (1 << 20):
                    del self.buffer[: self.position]
                    self.position = 0
                self.buffer += chunk
            return True

        if not need(2):
            return None
        start = self.position
        first, second = self.buffer[start], self.buffer[start + 1]
        length, offset = second & 0x7F, 2
        if length == 126:
            if not need(4):
                return None
            length, offset = struct.unpack_from("!H", self.buffer, start + 2)[0], 4
        elif length == 127:
            if not need(10):
                return None
            length, offset = struct.unpack_from("!Q", self.buffer, start + 2)[0], 10
        if not need(offset + length):
            return None
        start = self.position
        payload = bytes(self.buffer[start + offset : start + offset + length])
        self.position = start + offset + length
        if first & 0x0F == 0x9:
            # The service's keepalive: a client that reads answers it (one that does not is closed
            # with PingTimeout, as it should be).
            self.socket.sendall(frame(0xA, payload))
            return self.read_frame()
        return first & 0x0F, payload

    def messages(self):
        """JSON text frames until the socket closes (then the close frame's code, if any)."""
        while True:
            got = self.read_frame()
            if got is None:
                return
            opcode, payload = got
            if opcode == 0x1:
                yield json.loads(payload)
            elif opcode == 0x8:
                yield {"close": struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None}
                return

    def close_code(self):
        """Reads until the service's close frame; its code (None if the socket just ended)."""
        for message in self.messages():
            if "close" in message:
                return message["close"]
        return None

    def close(self):
        try:
            self.socket.close()
        except OSError:
            pass


def rest_token(local, path, **claims):
    """A token for `path` on the service (a REST path, or /trace with role=["pubsub.trace"])."""
    key = local.connection_string.split("AccessKey=")[1].split(";")[0]
    audience = f"http://localhost:{local.port}{path}"
    return jwt.encode({"aud": audience, "exp": int(time.time()) + 300, **claims}, key, algorithm="HS256")


def rest(local, method, path, query="", body=b"", headers=None):
    """A REST call with a valid service token; (status, body)."""
    url = f"http://localhost:{local.port}{path}?api-version=2024-01-01{query}"
    request = urllib.request.Request(url, data=body if method != "HEAD" else None, method=method)
    request.add_header("Authorization", "Bearer " + rest_token(local, path))
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check(local, probe, name, **extra):
    """The probe still gets a publish in time, a new client can still connect, memory is bounded."""
    assert local.process.poll() is None, "the service died: " + local.process.stderr.read()
    assert probe.latency() < PROBE_BOUND
    fresh = Probe(local, hub_name())
    assert fresh.latency() < PROBE_BOUND
    fresh.close()
    peak = report(name, local, probe.latencies, **extra)
    assert peak < CEILING_MIB * 1024, f"peak memory {peak // 1024} MiB is over the {CEILING_MIB} MiB ceiling"


def publish_many(local, hub, count, body, group=None):
    """`count` REST publishes of `body` (text) on one kept-alive connection, each answered 202:
    thousands in seconds, where the SDK takes a few milliseconds for each."""
    path = f"/api/hubs/{hub}" + (f"/groups/{group}" if group else "") + "/:send"
    headers = {"Authorization": "Bearer " + rest_token(local, path), "Content-Type": "text/plain"}
    connection = http.client.HTTPConnection("127.0.0.1", local.port, timeout=WAIT)
    payload = body.encode() if isinstance(body, str) else body
    try:
        for _ in range(count):
            connection.request("POST", path + "?api-version=2024-01-01", body=payload, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            assert response.status == 202, (response.status, answer[:200])
    finally:
        connection.close()
