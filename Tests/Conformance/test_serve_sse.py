"""`pubsub serve-sse` (the built binary) in front of the local service: real HTTP clients (`curl -N`,
a streaming http.client reader), its upstream connection cut mid-stream and recovered with nothing
lost or repeated, an explicit loss event when the upstream connection had to be replaced, and the
demo page in a real headless Chromium."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import websocket
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import _binary, stop_process
from sdk_helpers import hub_name
from tcp_proxy import TCPProxy

WAIT = 20


class Gateway:
    """`pubsub serve-sse --port 0` as a child process, ready once its upstream joined its groups."""

    def __init__(self, connection_string, hub, *args):
        env = {k: v for k, v in os.environ.items() if k not in ("WebPubSubConnectionString", "PUBSUB_HUB")}
        self.process = subprocess.Popen(
            [str(_binary()), "serve-sse", "--hub", hub, "--port", "0", "--connection-string", connection_string, "--log-level", "warning", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        self.errors = []
        self.condition = threading.Condition()
        line = self.process.stdout.readline()
        if not line.startswith("pubsub serve-sse: listening on "):
            raise RuntimeError(f"unexpected first line {line!r}: " + self.process.stderr.read())
        self.port = int(line.rsplit(":", 1)[1])
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait_for(lambda: sum("upstream ready" in e for e in self.errors) >= 1, "the upstream connection")

    def _pump(self):
        for line in self.process.stderr:
            with self.condition:
                self.errors.append(line.rstrip("\n"))
                self.condition.notify_all()

    def wait_for(self, predicate, what, timeout=WAIT):
        with self.condition:
            if not self.condition.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}; stderr={self.errors}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def readers(self):
        with urllib.request.urlopen(self.url("/healthz"), timeout=5) as response:
            return json.load(response)["readers"]

    def stop(self):
        return stop_process(self.process)


class Reader:
    """A streaming SSE reader on http.client, parsing events as a browser does."""

    def __init__(self, port, query, headers=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        self.connection.request("GET", "/events?" + query, headers=headers or {})
        self.sock = self.connection.sock
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.events, self.comments = [], []
        self.condition = threading.Condition()
        if self.response.status == 200:
            threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        event = {"data": []}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                with self.condition:
                    if line == "":
                        if event["data"] or "event" in event:
                            self.events.append({"id": event.get("id"), "event": event.get("event", "message"), "data": "\n".join(event["data"])})
                        event = {"data": []}
                    elif line.startswith(":"):
                        self.comments.append(line[1:].strip())
                    else:
                        field, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if field == "data":
                            event["data"].append(value)
                        elif field in ("id", "event"):
                            event[field] = value
                    self.condition.notify_all()
        except (OSError, ValueError, AttributeError):
            pass  # closed by the test (http.client drops its socket on close)

    def wait_for(self, predicate, what, timeout=WAIT):
        with self.condition:
            if not self.condition.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}; events={self.events[-5:]} comments={self.comments[-3:]}")

    def wait_open(self):
        assert self.status == 200, f"{self.status}: {self.response.read().decode()}"
        self.wait_for(lambda: "connected" in self.comments, "the stream to open")

    def messages(self):
        return [e for e in self.events if e["event"] != "loss"]

    def close(self):
        # Shut the socket down first: a read blocked in the pump thread holds the response's lock.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()


@pytest.fixture
def hub():
    return hub_name()


def reader_token(service, hub, *groups, connection_string=None):
    """A client token for the gateway's readers, minted from the gateway's own connection string."""
    server = WebPubSubServiceClient.from_connection_string(connection_string or service.connection_string, hub=hub)
    return server.get_client_access_token(roles=[f"webpubsub.joinLeaveGroup.{g}" for g in groups] + [f"webpubsub.sendToGroup.{g}" for g in groups])["token"]


def test_curl_receives_hub_and_group_messages_in_order(pubsub, service, hub):
    gateway = Gateway(service.connection_string, hub, "--group", "orders", "--group", "other")
    curl = None
    try:
        token = reader_token(service, hub, "orders")
        curl = subprocess.Popen(
            ["curl", "-sN", gateway.url(f"/events?group=orders&access_token={token}")], stdout=subprocess.PIPE, text=True
        )
        assert curl.stdout.readline().strip() == ": connected"
        publish = lambda *args: pubsub("publish", *args, "--hub", hub, "--connection-string", service.connection_string)
        assert publish("order 1\nsecond line", "--group", "orders").status == 0
        assert publish('{"total": 3}', "--content-type", "json").status == 0
        assert publish("not for this reader", "--group", "other").status == 0
        assert publish("order 2", "--group", "orders").status == 0
        lines = []
        while sum(1 for line in lines if line == "") < 4:  # a blank line after each of the three events and the first comment
            lines.append(curl.stdout.readline().rstrip("\n"))
        text = "\n".join(lines)
        assert "event: group-message\nretry: 3000\ndata: order 1\ndata: second line\n" in text
        # The gateway gets JSON decoded from its upstream frame and writes it back compactly.
        assert "event: server-message\nretry: 3000\ndata: {\"total\":3}\n" in text
        assert "data: order 2" in text and "not for this reader" not in text
        assert text.index("order 1") < text.index("total") < text.index("order 2")
        ids = [int(line[4:]) for line in lines if line.startswith("id: ")]
        assert len(ids) == 3 and ids == sorted(ids)
    finally:
        if curl:
            curl.kill()
        assert gateway.stop() == 0


def test_upstream_cut_mid_stream_loses_and_repeats_nothing(pubsub, service, hub):
    proxy = TCPProxy(service.port)
    through_proxy = service.connection_string.replace(f":{service.port};", f":{proxy.port};")
    gateway = Gateway(through_proxy, hub, "--group", "s")
    reader = Reader(gateway.port, f"group=s&access_token={reader_token(service, hub, 's', connection_string=through_proxy)}")
    try:
        reader.wait_open()
        rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
        total = 300
        for index in range(total):
            rest.send_to_group("s", str(index), content_type="text/plain")
            if index == total // 3:
                proxy.cut()
        reader.wait_for(lambda: len(reader.events) >= total, f"{total} events", timeout=60)
        assert [e["data"] for e in reader.events] == [str(i) for i in range(total)], "none lost, none repeated, no loss event"
        ids = [int(e["id"]) for e in reader.events]
        assert ids == sorted(set(ids)), "ids stay monotonic across the upstream's recovery"
        gateway.wait_for(lambda: any("upstream recovered" in e for e in gateway.errors), "the recovery to be reported")
        assert proxy.accepted >= 2
    finally:
        reader.close()
        gateway.stop()
        proxy.close()


def test_a_replaced_upstream_connection_is_an_explicit_loss(pubsub, service, hub):
    gateway = Gateway(service.connection_string, hub, "--group", "g", "--log-level", "info")
    reader = Reader(gateway.port, f"group=g&access_token={reader_token(service, hub, 'g')}")
    try:
        reader.wait_open()
        rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
        rest.send_to_group("g", "before", content_type="text/plain")
        reader.wait_for(lambda: len(reader.events) >= 1, "the first event")
        last_id = reader.events[-1]["id"]
        # Closing the connection over REST ends it for good: the gateway needs a new one.
        rest.close_all_connections(reason="test")
        gateway.wait_for(lambda: sum("upstream ready" in e for e in gateway.errors) >= 2, "a new upstream connection")
        reader.wait_for(lambda: any(e["event"] == "loss" for e in reader.events), "the loss event")
        rest.send_to_group("g", "after", content_type="text/plain")
        reader.wait_for(lambda: any(e["data"] == "after" for e in reader.events), "the next message")
        assert [e["event"] for e in reader.events] == ["group-message", "loss", "group-message"]

        # A reader resuming from before the gap is told too.
        resumed = Reader(gateway.port, f"group=g&access_token={reader_token(service, hub, 'g')}", {"Last-Event-ID": last_id})
        assert resumed.response.getheader("X-PubSub-Events-Lost") == "true"
        resumed.wait_for(lambda: len(resumed.events) >= 2, "the replay")
        assert [e["event"] for e in resumed.events] == ["loss", "group-message"]
        assert resumed.events[1]["data"] == "after"
        resumed.close()
    finally:
        reader.close()
        gateway.stop()


def test_a_group_not_given_at_start_is_joined_for_its_reader_resumed_and_left_when_idle(service, hub):
    """The order-status page: /events?group=order-4711 without restarting the gateway. The
    gateway joins the group upstream for its first reader (history from then on), keeps it while
    readers come back within the linger, leaves it after, and refuses more groups than it may carry."""
    rest = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
    gateway = Gateway(service.connection_string, hub, "--group", "pinned", "--group-linger", "1s", "--max-groups", "2", "--log-level", "info")
    try:
        assert not rest.group_exists("order-4711")
        reader = Reader(gateway.port, f"group=order-4711&access_token={reader_token(service, hub, 'order-4711')}")
        reader.wait_open()
        assert rest.group_exists("order-4711"), "the upstream connection joined the group"
        rest.send_to_group("order-4711", "paid", content_type="text/plain")
        reader.wait_for(lambda: reader.messages(), "the group's message")
        first = reader.messages()[0]
        assert first["event"] == "group-message" and first["data"] == "paid"
        reader.close()

        # Back within the linger, resuming: nothing missed, no loss event.
        rest.send_to_group("order-4711", "shipped", content_type="text/plain")
        resumed = Reader(gateway.port, f"group=order-4711&access_token={reader_token(service, hub, 'order-4711')}", headers={"Last-Event-ID": first["id"]})
        resumed.wait_open()
        resumed.wait_for(lambda: resumed.messages(), "the message sent while away")
        assert [e["data"] for e in resumed.messages()] == ["shipped"]
        assert not [e for e in resumed.events if e["event"] == "loss"]

        # A resume from before the group was carried gets the loss event first.
        early = Reader(gateway.port, f"group=order-4711&access_token={reader_token(service, hub, 'order-4711')}", headers={"Last-Event-ID": str(int(first["id"]) - 5)})
        early.wait_open()
        early.wait_for(lambda: early.events, "the loss event")
        assert early.events[0]["event"] == "loss", early.events
        assert early.response.getheader("X-PubSub-Events-Lost") == "true"

        # At most --max-groups groups besides the pinned ones: a third is refused with 503.
        second = Reader(gateway.port, f"group=order-2&access_token={reader_token(service, hub, 'order-2')}")
        second.wait_open()
        third = Reader(gateway.port, f"group=order-3&access_token={reader_token(service, hub, 'order-3')}")
        assert third.response.status == 503 and "--max-groups" in third.response.read().decode()

        # Idle for the linger: the gateway leaves the groups upstream; the pinned one stays.
        for open_reader in (resumed, early, second):
            open_reader.close()
        gateway.wait_for(lambda: sum("left group" in e for e in gateway.errors) >= 2, "the idle groups to be left")
        assert not rest.group_exists("order-4711") and not rest.group_exists("order-2")
        assert rest.group_exists("pinned")
    finally:
        gateway.stop()


def test_readers_leaving_are_noticed_at_once_and_access_is_checked(pubsub, service, hub):
    gateway = Gateway(service.connection_string, hub, "--group", "news", "--group", "team", "--public-group", "news", "--allow-origin", "*")
    try:
        readers = [Reader(gateway.port, "group=news") for _ in range(3)]
        for reader in readers:
            reader.wait_open()
        assert readers[0].response.getheader("Access-Control-Allow-Origin") == "*"
        assert gateway.readers() == 3
        for reader in readers:
            reader.close()
        deadline = time.monotonic() + WAIT
        while gateway.readers() != 0:
            assert time.monotonic() < deadline, "closed readers are still counted"
            with readers[0].condition:
                readers[0].condition.wait(0.05)

        anonymous = Reader(gateway.port, "group=team")
        assert anonymous.response.status == 401
        assert "access token is needed" in anonymous.response.read().decode()
        forbidden = Reader(gateway.port, f"group=team&access_token={reader_token(service, hub, 'news')}")
        assert forbidden.response.status == 403

        # POST /publish relays through the hub's REST API and comes back to the readers.
        listener = Reader(gateway.port, f"group=team&access_token={reader_token(service, hub, 'team')}")
        listener.wait_open()
        request = urllib.request.Request(
            gateway.url("/publish?group=team"), data=b"posted", method="POST",
            headers={"Authorization": "Bearer " + reader_token(service, hub, "team"), "Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            assert response.status == 202
        listener.wait_for(lambda: listener.messages(), "the posted message")
        assert listener.messages()[0]["data"] == "posted"
        listener.close()
    finally:
        assert gateway.stop() == 0


class Chromium:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self, url):
        binary = shutil.which("chromium")
        if not binary:
            pytest.fail("chromium is missing: scripts/browser-env.sh installs it (scripts/test.sh runs it)")
        # The profile and Chromium's own temporary files (its org.chromium.Chromium.* singleton
        # directory, which outlives the profile) both go under one directory that close() removes.
        self.root = tempfile.mkdtemp(prefix="pubsub-chromium-")
        profile = os.path.join(self.root, "profile")
        scratch = os.path.join(self.root, "tmp")
        os.mkdir(profile)
        os.mkdir(scratch)
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            env={**os.environ, "TMPDIR": scratch},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            # Its own process group, so that close() ends its helper processes too.
            start_new_session=True,
        )
        endpoint = None
        for line in self.process.stderr:
            if "DevTools listening on " in line:
                endpoint = line.split("DevTools listening on ", 1)[1].strip()
                break
        assert endpoint, "chromium did not start its DevTools endpoint"
        port = int(endpoint.split(":")[2].split("/")[0])
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=WAIT) as response:
            pages = [t for t in json.load(response) if t["type"] == "page"]
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=WAIT + 10, suppress_origin=True)
        self.next_id = 0
        self.seen = []
        # Navigate from about:blank and wait for the load event, so scripts run in the page itself.
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        while not any(m.get("method") == "Page.loadEventFired" for m in self.seen):
            self.seen.append(json.loads(self.socket.recv()))

    def call(self, method, **params):
        """One DevTools command; returns its result (events that arrive meanwhile are kept)."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.next_id:
                assert "result" in answer, answer
                return answer["result"]
            self.seen.append(answer)

    def evaluate(self, expression):
        """Evaluates JavaScript in the page, awaiting a promise; returns its value."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def close(self):
        self.socket.close()
        # Killing the browser alone left its helpers writing into the profile after it was
        # removed (a pubsub-chromium-* directory left in /tmp now and then): end the whole group,
        # and remove the directory once no process of it is left.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)


# Resolves once `condition` (a JS expression) holds, watching the DOM rather than polling.
WHEN = """new Promise((resolve, reject) => {{
  const check = () => {{ try {{ return {condition}; }} catch (e) {{ return false; }} }};
  if (check()) return resolve(true);
  const observer = new MutationObserver(() => {{ if (check()) {{ observer.disconnect(); resolve(true); }} }});
  observer.observe(document.documentElement, {{ attributes: true, childList: true, subtree: true, characterData: true }});
  setTimeout(() => reject(new Error({message})), {timeout});
}})"""


def when(condition):
    return WHEN.format(condition=condition, message=json.dumps("timed out waiting for " + condition), timeout=WAIT * 1000)


def test_the_demo_page_shows_a_published_message_in_a_real_browser(pubsub, service, hub):
    gateway = Gateway(service.connection_string, hub, "--group", "news", "--public-group", "news")
    browser = Chromium(gateway.url("/?group=news"))
    try:
        assert browser.evaluate(when('document.body.dataset.state === "open"'))
        result = pubsub("publish", "Hello from pubsub publish", "--group", "news", "--hub", hub, "--connection-string", service.connection_string)
        assert result.status == 0, result.stderr
        condition = 'document.querySelector("#messages li") && document.querySelector("#messages li").textContent.includes("Hello from pubsub publish")'
        assert browser.evaluate(when(condition))
        shown = browser.evaluate('Array.from(document.querySelectorAll("#messages li")).map(li => li.textContent)')
        assert len(shown) == 1 and shown[0].startswith("group #") and shown[0].endswith("Hello from pubsub publish")
    finally:
        browser.close()
        gateway.stop()
