"""The example app server (examples/chat-app) behind `pubsub serve --event-handler`: it admits
members, refuses others, hands out per-room rights and answers events. Clients are Microsoft's SDKs."""

import json
import secrets
import subprocess
import sys
import urllib.request

import pytest
import websocket
from azure.messaging.webpubsubclient import WebPubSubClient, WebPubSubClientCredential
from azure.messaging.webpubsubclient.models import CallbackType, SendMessageError, WebPubSubDataType, WebPubSubProtocolType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from conftest import ROOT, LocalService, _binary, stop_process
from event_upstream import service_with_handler
from sdk_helpers import WAIT, Recorder

KEY = secrets.token_urlsafe(32)
HUB = "chat"


@pytest.fixture(scope="module")
def app_url():
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "examples/chat-app/app.py"), "--port", "0", f"--access-key={KEY}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if "listening on" not in line:
        stop_process(process)
        pytest.fail("the example app did not start: " + line + process.stderr.read())
    yield line.rsplit(" ", 1)[1].strip()
    stop_process(process)


@pytest.fixture(scope="module")
def chat(app_url):
    with service_with_handler(KEY, f"{HUB}={app_url}/eventhandler/{{event}} system=connect,connected,disconnected") as local:
        yield local


def rest(service):
    return WebPubSubServiceClient.from_connection_string(service.connection_string, hub=HUB)


def client_for(service, user, **options):
    # No roles in the token: every right comes from the app's connect handler.
    credential = WebPubSubClientCredential(lambda: rest(service).get_client_access_token(user_id=user)["url"])
    client = WebPubSubClient(credential, **options)
    return client, Recorder(client)


def test_a_member_gets_her_rooms_and_rights_from_the_app(chat):
    client, events = client_for(chat, "alice")
    with client:
        events.wait_count(CallbackType.CONNECTED, 1)
        assert events.of(CallbackType.CONNECTED)[0].user_id == "alice"
        # The app put her in the lobby: a REST publish to it reaches her.
        rest(chat).send_to_group("lobby", "welcome", content_type="text/plain")
        events.wait_count(CallbackType.GROUP_MESSAGE, 1)
        assert events.messages()[0] == "welcome"
        client.send_to_group("lobby", "hi all", WebPubSubDataType.TEXT)
        client.join_group("staff")
        client.send_to_group("staff", "staff only", WebPubSubDataType.TEXT)
        events.wait_for(lambda: "staff only" in events.messages(), "her own staff message")


def test_a_guest_may_listen_but_not_publish_or_shout(chat):
    # No retries: the SDK retries refused sends with backoff, which only makes the test slower.
    client, events = client_for(chat, "guest", message_retry_total=0)
    with client:
        events.wait_count(CallbackType.CONNECTED, 1)
        with pytest.raises(SendMessageError) as join:
            client.join_group("staff")
        assert join.value.error_detail.name == "Forbidden"
        with pytest.raises(SendMessageError) as publish:
            client.send_to_group("lobby", "spam", WebPubSubDataType.TEXT)
        assert publish.value.error_detail.name == "Forbidden"
        with pytest.raises(SendMessageError) as shout:
            client.send_event("shout", "hey", WebPubSubDataType.TEXT)
        assert shout.value.error_detail.name == "InternalServerError"
        assert "may not shout" in shout.value.error_detail.message


@pytest.mark.parametrize("user,status", [("mallory", 403), ("stranger", 401), (None, 401)])
def test_the_app_refuses_banned_unknown_and_anonymous_users(chat, user, status):
    url = rest(chat).get_client_access_token(user_id=user)["url"]
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, subprotocols=["json.webpubsub.azure.v1"], timeout=WAIT)
    assert refused.value.status_code == status


def test_events_are_answered_and_the_connection_state_round_trips(chat):
    client, events = client_for(chat, "bob")
    with client:
        client.send_event("shout", "hello", WebPubSubDataType.TEXT)
        client.send_event("whoami", {}, WebPubSubDataType.JSON)
        client.send_event("whoami", {}, WebPubSubDataType.JSON)
        events.wait_count(CallbackType.SERVER_MESSAGE, 3)
        replies = events.messages(CallbackType.SERVER_MESSAGE)
        assert "HELLO" in replies
        # The app counts events in the connection state it hands back with each answer.
        assert sorted(r["events"] for r in replies if isinstance(r, dict)) == [2, 3]
        assert all(r["userId"] == "bob" for r in replies if isinstance(r, dict))


def test_a_simple_websocket_client_talks_to_the_app(chat):
    url = rest(chat).get_client_access_token(user_id="alice")["url"]
    socket = websocket.create_connection(url, timeout=WAIT)
    socket.send("ping")
    assert socket.recv() == "echo: ping"
    socket.close()


def test_the_app_sees_connected_and_disconnected(chat, app_url):
    # A reliable session outlives its client's close by the recovery window (docs/compatibility.md);
    # a json.webpubsub.azure.v1 session ends with its socket.
    client, events = client_for(chat, "alice", protocol_type=WebPubSubProtocolType.JSON)
    with client:
        events.wait_count(CallbackType.CONNECTED, 1)
        connection_id = events.of(CallbackType.CONNECTED)[0].connection_id
    query = f"connectionId={connection_id}&count=2&wait={WAIT}"
    with urllib.request.urlopen(f"{app_url}/activity?{query}", timeout=WAIT + 5) as response:
        activity = json.load(response)
    assert [a["event"] for a in activity] == ["connected", "disconnected"], activity
    assert activity[1]["userId"] == "alice"


def test_the_app_rejects_a_service_signing_with_another_key(app_url):
    other = LocalService(_binary(), "--event-handler", f"{HUB}={app_url}/eventhandler/{{event}} system=connect")
    try:
        url = rest(other).get_client_access_token(user_id="alice")["url"]
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(url, timeout=WAIT)
        assert refused.value.status_code == 401
        assert b"not signed with this app's access key" in refused.value.resp_body
    finally:
        assert other.stop() == 0
