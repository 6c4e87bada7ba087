"""Ctrl-C in the client commands that run until stopped. `serve` waits for its clients on the first
SIGINT, so a second one forces the stop (test_serve_options.py). `subscribe` and `serve-sse` (whose
upstream is a client connection) send the service a 1000 close and exit 0 at once on the first,
without waiting for an answer, so a service that never answers cannot hold them and no second one
is needed; `trace` likewise ends its stream at once.

The peer is a stand-in for the service that upgrades WebSocket requests, says `connected`, and then
reads without ever answering, and answers a trace request with a stream that never ends."""

import base64
import hashlib
import json
import signal
import socket
import subprocess
import threading
import time

from conftest import _binary

WAIT = 20
KEY = "A" * 43 + "="


class SilentPeer:
    """A listening socket on loopback; `close_seen` is set when a client's close frame arrives."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.close_seen = threading.Event()
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                return
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        fields = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        if fields.get("upgrade", "").lower() != "websocket":
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            self.connected.set()
            return self._drain(client)
        accept = base64.b64encode(hashlib.sha1((fields["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        protocol = fields.get("sec-websocket-protocol", "").split(",")[0].strip()
        client.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n" + (f"Sec-WebSocket-Protocol: {protocol}\r\n" if protocol else "") + "\r\n"
            ).encode()
        )
        hello = json.dumps({"type": "system", "event": "connected", "connectionId": "c1", "userId": None, "reconnectionToken": "r"}).encode()
        client.sendall(bytes([0x81, len(hello)]) + hello)
        self.connected.set()
        self._drain(client, websocket=True)

    def _drain(self, client, websocket=False):
        data = b""
        while True:
            try:
                chunk = client.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            data += chunk
            # A masked client close frame starts with 0x88; nothing else a client sends here does.
            if websocket and b"\x88" in data:
                self.close_seen.set()

    def stop(self):
        self.listener.close()
        for client in self.sockets:
            client.close()


def start(arguments, peer):
    connection_string = f"Endpoint=http://127.0.0.1:{peer.port};AccessKey={KEY};Version=1.0;"
    process = subprocess.Popen(
        [str(_binary()), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "WebPubSubConnectionString": connection_string},
    )
    assert peer.connected.wait(WAIT), "the command never connected: " + (process.poll() is not None and process.stderr.read() or "")
    return process


def one_sigint_says_goodbye_and_stops_at_once(arguments):
    peer = SilentPeer()
    process = start(arguments, peer)
    try:
        # The peer has sent `connected`; the command has taken it once it says so on stderr (before
        # that, a SIGINT ends a handshake, which has no close frame to send).
        while "connected" not in (line := process.stderr.readline()):
            assert line, "the command ended before it connected"
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        status = process.wait(timeout=WAIT)
        assert status == 0, process.stderr.read()
        assert time.monotonic() - started < 2, "the first SIGINT did not stop it at once"
        assert peer.close_seen.wait(WAIT), "no close frame reached the service"
    finally:
        if process.poll() is None:
            process.kill()
        peer.stop()


def test_one_sigint_closes_subscribe_with_1000_and_exits_0_at_once_though_the_service_never_answers():
    one_sigint_says_goodbye_and_stops_at_once(["subscribe", "--hub", "h", "--protocol", "json"])


def test_one_sigint_closes_serve_sse_upstream_with_1000_and_exits_0_at_once_though_the_hub_never_answers():
    one_sigint_says_goodbye_and_stops_at_once(["serve-sse", "--hub", "h", "--port", "0"])


def test_one_sigint_stops_trace_with_0_while_the_service_never_ends_the_stream():
    peer = SilentPeer()
    process = start(["trace"], peer)
    try:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=WAIT)
        assert status == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
        peer.stop()
