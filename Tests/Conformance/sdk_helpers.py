"""Helpers shared by the conformance tests that drive clients made with Microsoft's SDKs."""

import threading
import uuid

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
