"""The management verbs (`pubsub group|connection|user|permission|health`, the built binary) against
the local service; Microsoft's service SDK observes the effect of each, and the client SDK's
connections are what they act on."""

import json
import time

import pytest
from azure.messaging.webpubsubclient.models import CallbackType, SendMessageError, WebPubSubDataType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from sdk_helpers import hub_name, make_client


@pytest.fixture
def hub():
    return hub_name()


@pytest.fixture
def rest(service, hub):
    return WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)


@pytest.fixture
def verb(service, hub, pubsub):
    """Runs `pubsub <args> --hub <hub> --connection-string …`."""

    def run(*args, hub_option=True):
        extra = ["--hub", hub] if hub_option else []
        return pubsub(*args, *extra, "--connection-string", service.connection_string)

    return run


def connected(service, hub, user, roles=("webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"), **kwargs):
    client, events = make_client(service, hub, user=user, roles=roles, **kwargs)
    client.open()
    events.wait_count(CallbackType.CONNECTED, 1)
    return client, events, events.of(CallbackType.CONNECTED)[0].connection_id


def test_group_membership_verbs(service, hub, rest, verb):
    client, _, cid = connected(service, hub, "m")
    try:
        done = verb("group", "exists", "a")
        assert done.status == 1 and done.stdout == "", done
        assert verb("group", "add-connection", "a", cid).status == 0
        assert rest.group_exists("a")
        assert verb("group", "exists", "a").status == 0
        assert json.loads(verb("group", "exists", "a", "--format", "json").stdout) == {"exists": True}
        listed = verb("group", "list", "a")
        assert listed.status == 0 and listed.stdout.splitlines() == [f"{cid}\tm"], listed
        assert json.loads(verb("group", "list", "a", "--format", "json").stdout) == [{"connectionId": cid, "userId": "m"}]
        assert verb("group", "remove-connection", "a", cid).status == 0
        assert not rest.group_exists("a")

        assert verb("group", "add-user", "b", "m").status == 0
        assert [m.connection_id for m in rest.list_connections(group="b")] == [cid]
        assert verb("group", "remove-user", "b", "m").status == 0
        assert not rest.group_exists("b")

        assert verb("group", "add-matching", "--filter", "userId eq 'm'", "c", "d").status == 0
        assert rest.group_exists("c") and rest.group_exists("d")
        assert verb("group", "remove-matching", "--filter", "userId eq 'm'", "c").status == 0
        assert not rest.group_exists("c") and rest.group_exists("d")

        assert verb("user", "leave", "m", "--group", "d").status == 0
        assert not rest.group_exists("d")
        rest.add_user_to_group("e", "m")
        rest.add_user_to_group("f", "m")
        assert verb("user", "leave", "m").status == 0
        assert not rest.group_exists("e") and not rest.group_exists("f")

        bad = verb("group", "add-matching", "--filter", "userId eq", "g")
        assert bad.status == 64 and "--filter" in bad.stderr, bad
        missing = verb("group", "add-connection", "a", "no-such-connection")
        assert missing.status == 67 and "404" in missing.stderr, missing
    finally:
        client.close()


def test_group_list_follows_pages_and_top(service, hub, rest, verb):
    clients = [connected(service, hub, f"p{index}") for index in range(5)]
    try:
        for _, _, cid in clients:
            rest.add_connection_to_group("paged", cid)
        # 5 connections: with --top 3 only 3; without, all of them across the service's pages.
        listed = verb("group", "list", "paged", "--format", "json")
        assert sorted(item["userId"] for item in json.loads(listed.stdout)) == [f"p{i}" for i in range(5)]
        assert len(verb("group", "list", "paged", "--top", "3").stdout.splitlines()) == 3
    finally:
        for client, _, _ in clients:
            client.close()


def test_connection_and_user_verbs(service, hub, rest, verb):
    client, events, cid = connected(service, hub, "c", reconnect_retry_total=0)
    others = [connected(service, hub, user, reconnect_retry_total=0) for user in ("x", "y", "y")]
    try:
        assert verb("connection", "exists", cid).status == 0
        assert verb("user", "exists", "c").status == 0
        assert verb("user", "exists", "nobody").status == 1
        assert verb("connection", "close", cid, "--reason", "bye now").status == 0
        events.wait_count(CallbackType.DISCONNECTED, 1)
        assert events.of(CallbackType.DISCONNECTED)[0].message == "bye now"
        assert not rest.connection_exists(cid)
        assert verb("connection", "exists", cid).status == 1

        assert verb("connection", "close-all", "--user", "x", "--reason", "user closed").status == 0
        others[0][1].wait_count(CallbackType.DISCONNECTED, 1)
        assert not rest.user_exists("x") and rest.user_exists("y")

        keep = others[2][2]
        rest.add_connection_to_group("lobby", others[1][2])
        rest.add_connection_to_group("lobby", keep)
        assert verb("connection", "close-all", "--group", "lobby", "--exclude", keep).status == 0
        others[1][1].wait_count(CallbackType.DISCONNECTED, 1)
        assert rest.connection_exists(keep) and not rest.connection_exists(others[1][2])

        assert verb("connection", "close-all", "--reason", "deploying").status == 0
        others[2][1].wait_count(CallbackType.DISCONNECTED, 1)
        assert not rest.user_exists("y")
    finally:
        for other, _, _ in others:
            other.close()
        client.close()


def test_permission_verbs(service, hub, rest, verb):
    client, events, cid = connected(service, hub, "perm", roles=())
    try:
        assert verb("permission", "check", "joinLeaveGroup", cid, "--group", "room").status == 1
        with pytest.raises(SendMessageError):
            client.join_group("room")
        assert verb("permission", "grant", "joinLeaveGroup", cid, "--group", "room").status == 0
        assert rest.has_permission("joinLeaveGroup", cid, target_name="room")
        assert verb("permission", "check", "joinLeaveGroup", cid, "--group", "room").status == 0
        client.join_group("room")
        assert verb("permission", "grant", "sendToGroup", cid).status == 0
        assert rest.has_permission("sendToGroup", cid, target_name="anything")
        client.send_to_group("room", "granted", WebPubSubDataType.TEXT)
        events.wait_count(CallbackType.GROUP_MESSAGE, 1)
        assert verb("permission", "revoke", "sendToGroup", cid).status == 0
        assert not rest.has_permission("sendToGroup", cid, target_name="room")
        assert json.loads(verb("permission", "check", "sendToGroup", cid, "--format", "json").stdout) == {"exists": False}
        bad = verb("permission", "grant", "publish", cid)
        assert bad.status == 64 and "sendToGroup" in bad.stderr, bad
    finally:
        client.close()


def test_health_answers_and_waits(service, pubsub):
    assert pubsub("health", "--connection-string", service.connection_string).status == 0
    # Nothing listens on port 9 of loopback (discard): one try says unreachable, --wait keeps trying.
    down = "Endpoint=http://127.0.0.1:9;AccessKey=" + service.connection_string.split("AccessKey=")[1]
    once = pubsub("health", "--connection-string", down)
    assert once.status == 69 and "cannot reach" in once.stderr, once
    started = time.monotonic()
    waited = pubsub("health", "--wait", "1s", "--connection-string", down)
    assert waited.status == 69 and 0.9 < time.monotonic() - started < 15, waited
