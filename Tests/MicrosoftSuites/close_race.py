"""Measures websocket-client's own race that three of Microsoft's sync tests trip on (see
docs/compatibility.md, "Known quirks of the official SDKs"): the test thread closes the socket
(`ws.sock.close(1001)`, as the tests do) while the WebSocketApp's reader thread waits in epoll on
it; counts how often the reader reports the close (on_close), against `pubsub serve` and against
the `websockets` library's server, both on loopback.

Usage: PUBSUB_BIN=.build/debug/pubsub .venv/bin/python Tests/MicrosoftSuites/close_race.py [TRIES]
Not part of the test command: it measures a client library, not the service.
"""

import asyncio
import sys
import threading
from pathlib import Path

import websocket
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Conformance"))

from azure.messaging.webpubsubservice import WebPubSubServiceClient  # noqa: E402
from pubsub_process import LocalService, _binary  # noqa: E402


def tries_reported(url_for_try, tries, subprotocols=None):
    """How many of `tries` closes from another thread the reader thread reported."""
    reported = 0
    for _ in range(tries):
        closed, greeted = threading.Event(), threading.Event()
        app = websocket.WebSocketApp(
            url_for_try(), subprotocols=subprotocols, on_close=lambda *_: closed.set(), on_message=lambda *_: greeted.set()
        )
        threading.Thread(target=app.run_forever, daemon=True).start()
        assert greeted.wait(5), "no first message from the server"
        app.sock.close(1001)
        reported += closed.wait(2)
    return reported


def websockets_server():
    """A `websockets` server on an ephemeral loopback port that greets each client; its port."""
    ready, port = threading.Event(), []

    async def greet(connection):
        await connection.send("hello")
        async for _ in connection:
            pass

    async def main():
        async with websockets.serve(greet, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await asyncio.Future()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    ready.wait()
    return port[0]


def main(tries: int) -> None:
    service = LocalService(_binary())
    try:
        tokens = WebPubSubServiceClient.from_connection_string(service.connection_string, "hub")
        ours = tries_reported(lambda: tokens.get_client_access_token()["url"], tries, ["json.webpubsub.azure.v1"])
    finally:
        service.stop()
    port = websockets_server()
    theirs = tries_reported(lambda: f"ws://127.0.0.1:{port}/", tries)
    print(f"websocket-client {websocket.__version__}: the reader reported the close in {ours} of {tries} tries "
          f"against pubsub serve, {theirs} of {tries} against the websockets library's server")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
