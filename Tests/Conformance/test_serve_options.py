"""`pubsub serve` options that shape what every client sees."""

import websocket
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import LocalService, _binary
from sdk_helpers import hub_name


def test_keepalive_interval_sets_the_ping_period(pubsub):
    local = LocalService(_binary(), "--keepalive-interval", "1")
    try:
        url = WebPubSubServiceClient.from_connection_string(local.connection_string, hub=hub_name()).get_client_access_token()["url"]
        socket = websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=10)
        socket.recv()  # connected
        # The default period is 20 s; with 1 s the first ping comes within about two seconds.
        frame = socket.recv_data_frame(control_frame=True)[1]
        assert frame.opcode == websocket.ABNF.OPCODE_PING
        socket.close()
    finally:
        assert local.stop() == 0
    refused = pubsub("serve", "--port", "0", "--keepalive-interval", "121")
    assert refused.status == 64 and "1 to 120 seconds" in refused.stderr


def test_a_second_sigint_stops_serve_at_once_with_130_while_a_client_never_answers_the_close():
    import signal
    import time

    local = LocalService(_binary())
    try:
        url = WebPubSubServiceClient.from_connection_string(local.connection_string, hub=hub_name()).get_client_access_token()["url"]
        client = websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=10)
        client.recv()  # connected
        local.process.send_signal(signal.SIGINT)
        # The first SIGINT is graceful: the service says goodbye and sends its close frame, which
        # this client reads as raw bytes and never answers (the service would wait 5 s for it).
        seen = b""
        while b"\x88" not in seen:
            chunk = client.sock.recv(4096)
            assert chunk, "the service closed the socket without a close frame"
            seen += chunk
        assert local.process.poll() is None, "the first SIGINT did not wait for the client's close"
        local.process.send_signal(signal.SIGINT)
        started = time.monotonic()
        status = local.process.wait(timeout=10)
        assert status == 130, local.process.stderr.read()
        assert time.monotonic() - started < 2, "the second SIGINT did not stop it at once"
        assert "Interrupted again: stopping at once (exit 130)" in local.process.stderr.read()
        client.sock.close()
    finally:
        if local.process.poll() is None:
            local.process.kill()


def test_one_sigint_stops_serve_gracefully_with_0():
    import signal

    local = LocalService(_binary())
    local.process.send_signal(signal.SIGINT)
    assert local.process.wait(timeout=20) == 0, local.process.stderr.read()
