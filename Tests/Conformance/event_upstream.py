"""A scriptable event handler for the tests: a real HTTP server on a loopback port that records
every request the service makes and answers by a rule per event name."""

import contextlib
import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import LocalService, _binary
from sdk_helpers import WAIT


@dataclass
class Received:
    method: str
    path: str
    headers: dict  # lower-cased names
    body: bytes
    released: threading.Event = field(default_factory=threading.Event)

    @property
    def event(self):
        return self.headers.get("ce-eventname") or self.path.rsplit("/", 1)[-1]

    @property
    def hub(self):
        return self.headers.get("ce-hub") or self.path.split("/")[1]

    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 204
    body: bytes = b""
    content_type: str = ""
    headers: dict = field(default_factory=dict)
    wait: threading.Event = None  # answer only once this is set


class Upstream:
    """URL template: http://127.0.0.1:<port>/{hub}/{event}. Rules are per hub: hub -> event -> fn."""

    def __init__(self, allowed_origin="*"):
        self.allowed_origin = allowed_origin
        self.received = []
        self.condition = threading.Condition()
        self.rules = {}
        self.gates = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                with upstream.condition:
                    upstream.received.append(request)
                    upstream.condition.notify_all()
                return request

            def _send(self, answer):
                if answer.wait is not None:
                    answer.wait.wait(60)
                self.send_response(answer.status)
                if answer.content_type:
                    self.send_header("Content-Type", answer.content_type)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def do_OPTIONS(self):
                self._record()
                headers = {"WebHook-Allowed-Origin": upstream.allowed_origin} if upstream.allowed_origin else {}
                self._send(Answer(200, headers=headers))

            def do_POST(self):
                request = self._record()
                rule = upstream.rules.get(request.hub, {}).get(request.event)
                self._send(rule(request) if rule else Answer(204))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def template(self):
        return f"http://127.0.0.1:{self.port}/{{hub}}/{{event}}"

    def on(self, hub, event, rule):
        self.rules.setdefault(hub.lower(), {})[event] = rule

    def gate(self):
        """An event a rule can wait on; every gate is opened when the upstream stops."""
        gate = threading.Event()
        self.gates.append(gate)
        return gate

    def requests(self, hub, event=None, method="POST"):
        with self.condition:
            return [
                r for r in self.received
                if r.method == method and r.hub == hub.lower() and (event is None or r.event == event)
            ]

    def wait_for(self, hub, event, count=1, method="POST"):
        with self.condition:
            ok = self.condition.wait_for(lambda: len(self.requests_unlocked(hub, event, method)) >= count, timeout=WAIT)
            found = self.requests_unlocked(hub, event, method)
        assert ok, f"timed out waiting for {count} {method} {event} on {hub}; got {[(r.method, r.path) for r in self.received]}"
        return found

    def requests_unlocked(self, hub, event, method):
        return [r for r in self.received if r.method == method and r.hub == hub.lower() and r.event == event]

    def stop(self):
        for gate in self.gates:
            gate.set()
        self.server.shutdown()


def signature(key, connection_id):
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def with_key(connection_string, key):
    """The service prints a custom key redacted; the tests know it."""
    return re.sub(r"AccessKey=[^;]*", "AccessKey=" + key, connection_string)


@contextlib.contextmanager
def service_with_handler(key, spec):
    """`pubsub serve --access-key KEY --event-handler SPEC`, its connection string holding the key."""
    # `--access-key=KEY` in one word: a random base64url key starts with "-" one time in 64, and
    # would be read as an option.
    local = LocalService(_binary(), f"--access-key={key}", "--event-handler", spec)
    local.connection_string = with_key(local.connection_string, key)
    try:
        yield local
    finally:
        assert local.stop() == 0, local.process.stderr.read()
