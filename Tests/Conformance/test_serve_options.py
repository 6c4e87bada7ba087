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
