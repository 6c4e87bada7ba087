"""Helpers shared by the conformance tests that drive clients made with Microsoft's SDKs."""

import json
import threading
import uuid

import websocket

from azure.messaging.webpubsubclient import WebPubSubClient, WebPubSubClientCredential
from azure.messaging.webpubsubclient.models import CallbackType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

WAIT = 15  # seconds any single expected event may take


class Recorder:
    """Collects a client's callbacks; tests wait on conditions, never on sleeps."""

    def __init__(self, client: WebPubSubClient):
        self.condition = threading.Condition()
        self.events = []
        for kind in CallbackType:
            client.subscribe(kind, lambda *args, kind=kind: self._record(kind, args[0] if args else None))

    def _record(self, kind, event):
        with self.condition:
            self.events.append((kind, event))
            self.condition.notify_all()

    def of(self, kind):
        with self.condition:
            return [event for k, event in self.events if k == kind]

    def wait_for(self, predicate, what, timeout=WAIT):
        with self.condition:
            if not self.condition.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}; events so far: {[k.value for k, _ in self.events]}")

    def wait_count(self, kind, count, timeout=WAIT):
        self.wait_for(lambda: len([1 for k, _ in self.events if k == kind]) >= count, f"{count} x {kind.value}", timeout)

    def messages(self, kind=CallbackType.GROUP_MESSAGE):
        return [event.data for event in self.of(kind)]


def hub_name():
    return "h" + uuid.uuid4().hex[:12]


def make_client(service, hub, user=None, roles=("webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"), url_port=None, **kwargs):
    connection_string = service.connection_string
    if url_port:
        connection_string = connection_string.replace(f":{service.port};", f":{url_port};")
    server = WebPubSubServiceClient.from_connection_string(connection_string, hub=hub)
    credential = WebPubSubClientCredential(lambda: server.get_client_access_token(user_id=user, roles=list(roles))["url"])
    client = WebPubSubClient(credential, **kwargs)
    return client, Recorder(client)


class WireListener:
    """A JSON-subprotocol client on a plain WebSocket, for tests of message order.

    The Python SDK runs every callback on a thread of its own, so the order its callbacks run in is
    not the order the messages arrived (a burst can swap neighbours); order is checked on the wire.
    """

    def __init__(self, service, hub, group):
        server = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
        url = server.get_client_access_token(roles=["webpubsub.joinLeaveGroup"])["url"]
        self.socket = websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=60)
        connected = json.loads(self.socket.recv())
        assert connected.get("event") == "connected", connected
        self.socket.send(json.dumps({"type": "joinGroup", "group": group, "ackId": 1}))
        ack = json.loads(self.socket.recv())
        assert ack == {"type": "ack", "ackId": 1, "success": True}, ack

    def group_messages(self, count):
        """The data of the next `count` group messages, in the order they arrived."""
        received = []
        while len(received) < count:
            message = json.loads(self.socket.recv())
            if message.get("type") == "message" and message.get("from") == "group":
                received.append(message["data"])
        return received

    def close(self):
        self.socket.close()
