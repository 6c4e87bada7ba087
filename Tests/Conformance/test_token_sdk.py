"""`pubsub token` against Microsoft's azure-messaging-webpubsubservice and PyJWT.

Our client token must carry the same claims as the SDK's get_client_access_token (iat/exp may
differ in time but must span the same duration), our URL must equal the SDK's but for the token,
our verifier must accept the SDK's tokens, and PyJWT must verify ours.
"""

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from azure.messaging.webpubsubservice import WebPubSubServiceClient

KEY = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="
SHORT_KEY = "short"  # jwt-kit would assert on this; HS256 itself does not care

CONNECTION_STRINGS = {
    "https": f"Endpoint=https://contoso.webpubsub.azure.com;AccessKey={KEY};Version=1.0;",
    "https-mixed-case-slash": f"Endpoint=https://MyRes.WebPubSub.azure.com/;AccessKey={KEY};Version=1.0;",
    "http-port": f"Endpoint=http://localhost;Port=8080;AccessKey={KEY};Version=1.0;",
    "http-inline-port": f"Endpoint=http://localhost:8080;AccessKey={SHORT_KEY};Version=1.0;",
}

# (id, hub, user, roles, groups, our --expires, SDK minutes_to_expire, client protocol)
CASES = [
    ("anonymous-defaults", "chat", None, [], [], None, 60, "default"),
    ("user", "chat", "alice", [], [], None, 60, "default"),
    ("roles", "chat", "bob", ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"], [], "2h", 120, "default"),
    ("scoped-roles", "Chat", "carol", ["webpubsub.joinLeaveGroup.room1", "webpubsub.sendToGroup.room1"], ["room1"], "90s", 1.5, "default"),
    ("wildcard-roles", "MixedCaseHub", "dave", ["webpubsub.joinLeaveGroups.tenant1.*", "webpubsub.sendToGroups.tenant1.**"], [], "1d", 1440, "default"),
    ("groups-only", "hub_1", None, [], ["a", "b c", "d.e"], "10m", 10, "default"),
    ("unicode-user", "chat", "zoë@example.com", [], ["grüppe"], "60m", 60, "default"),
    ("mqtt", "chat", "eve", ["webpubsub.sendToGroup"], [], None, 60, "mqtt"),
    ("socketio", "chat", None, [], [], "1h30m", 90, "socketio"),
]


def ours(pubsub, connection_string, hub, user, roles, groups, expires, protocol):
    args = ["token", "--connection-string", connection_string, "--hub", hub, "--output", "json", "-q"]
    if user:
        args += ["--user", user]
    for role in roles:
        args += ["--role", role]
    for group in groups:
        args += ["--group", group]
    if expires:
        args += ["--expires", expires]
    if protocol != "default":
        args += ["--client-protocol", protocol]
    result = pubsub(*args)
    assert result.status == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def sdk(connection_string, hub, user, roles, groups, minutes, protocol):
    client = WebPubSubServiceClient.from_connection_string(connection_string, hub=hub)
    kwargs = {"minutes_to_expire": minutes, "client_protocol": {"default": "Default", "mqtt": "MQTT", "socketio": "SocketIO"}[protocol]}
    if user:
        kwargs["user_id"] = user
    if roles:
        kwargs["roles"] = roles
    if groups:
        kwargs["groups"] = groups
    return client.get_client_access_token(**kwargs)


def unverified_claims(token):
    return jwt.decode(token, options={"verify_signature": False})


@pytest.mark.parametrize("cs_name", sorted(CONNECTION_STRINGS))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_claims_and_url_match_the_sdk(pubsub, cs_name, case):
    _, hub, user, roles, groups, expires, minutes, protocol = case
    connection_string = CONNECTION_STRINGS[cs_name]
    mine = ours(pubsub, connection_string, hub, user, roles, groups, expires, protocol)
    theirs = sdk(connection_string, hub, user, roles, groups, minutes, protocol)

    my_claims = unverified_claims(mine["token"])
    their_claims = unverified_claims(theirs["token"])
    assert my_claims == mine["claims"], "the printed claims are the token's claims"

    strip = lambda claims: {k: v for k, v in claims.items() if k not in ("iat", "exp")}
    assert strip(my_claims) == strip(their_claims)
    # Each side reads the clock on its own; the spans must agree (PyJWT truncates to the second).
    assert abs((my_claims["exp"] - my_claims["iat"]) - (their_claims["exp"] - their_claims["iat"])) <= 1
    assert abs(my_claims["iat"] - their_claims["iat"]) <= 5

    assert mine["baseUrl"] == theirs["baseUrl"]
    assert mine["url"] == mine["baseUrl"] + "?access_token=" + mine["token"]
    assert theirs["url"] == theirs["baseUrl"] + "?access_token=" + theirs["token"]
    assert jwt.get_unverified_header(mine["token"]) == jwt.get_unverified_header(theirs["token"])


@pytest.mark.parametrize("cs_name", sorted(CONNECTION_STRINGS))
def test_pyjwt_verifies_our_token(pubsub, cs_name):
    connection_string = CONNECTION_STRINGS[cs_name]
    key = KEY if KEY in connection_string else SHORT_KEY
    mine = ours(pubsub, connection_string, "chat", "alice", ["webpubsub.sendToGroup"], ["g"], None, "default")
    claims = jwt.decode(mine["token"], key, algorithms=["HS256"], audience=mine["claims"]["aud"])
    assert claims["sub"] == "alice"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(mine["token"], key + "x", algorithms=["HS256"], audience=mine["claims"]["aud"])


@pytest.mark.parametrize("cs_name", sorted(CONNECTION_STRINGS))
def test_our_verifier_accepts_sdk_tokens(pubsub, cs_name):
    connection_string = CONNECTION_STRINGS[cs_name]
    theirs = sdk(connection_string, "Chat", "alice", ["webpubsub.joinLeaveGroup.room1"], ["room1"], 5, "default")
    by_url = pubsub("token", "decode", theirs["url"], "--verify", "--connection-string", connection_string)
    assert by_url.status == 0, by_url.stderr
    assert "Verified:  valid" in by_url.stdout
    by_hub = pubsub("token", "decode", theirs["token"], "--verify", "--hub", "chat", "--connection-string", connection_string)
    assert by_hub.status == 0, by_hub.stderr


def _bad_tokens():
    now = int(time.time())
    aud = "https://contoso.webpubsub.azure.com/client/hubs/chat"
    good = {"aud": aud, "iat": now, "exp": now + 3600}
    signed = jwt.encode(good, KEY, algorithm="HS256")
    header, body, signature = signed.split(".")
    return [
        ("wrong key", jwt.encode(good, "another-key", algorithm="HS256"), 77, "signature does not match"),
        ("alg none", jwt.encode(good, None, algorithm="none"), 77, "unsigned (alg \"none\")"),
        ("HS512", jwt.encode(good, KEY, algorithm="HS512"), 77, "signed with HS512"),
        ("expired", jwt.encode({**good, "iat": now - 7200, "exp": now - 3600}, KEY, algorithm="HS256"), 77, "the token expired at"),
        ("not yet valid", jwt.encode({**good, "nbf": now + 3600}, KEY, algorithm="HS256"), 77, "not valid before"),
        ("wrong aud", jwt.encode({**good, "aud": "https://contoso.webpubsub.azure.com/client/hubs/other"}, KEY, algorithm="HS256"), 77, "does not name"),
        ("malformed base64", f"{header}.{body}!.{signature}", 65, "not valid base64url"),
        ("truncated", f"{header}.{body}", 65, "looks truncated"),
        ("truncated signature", f"{header}.{body}.{signature[:20]}", 65, "looks truncated"),
    ]


@pytest.mark.parametrize("name,token,status,fragment", _bad_tokens(), ids=[t[0] for t in _bad_tokens()])
def test_our_verifier_rejects_bad_tokens_each_with_its_own_message(pubsub, name, token, status, fragment):
    result = pubsub("token", "decode", token, "--verify", "--hub", "chat", "--connection-string", CONNECTION_STRINGS["https"])
    assert result.status == status, result.stderr
    assert result.stderr.startswith("Error: ")
    assert fragment in result.stderr
    assert KEY not in result.stderr + result.stdout


def test_decoding_reports_every_claim_of_an_sdk_token(pubsub):
    theirs = sdk(CONNECTION_STRINGS["https"], "chat", "alice", ["webpubsub.sendToGroup"], ["g1"], 60, "default")
    result = pubsub("token", "decode", theirs["token"], "--output", "json")
    assert result.status == 0
    document = json.loads(result.stdout)
    assert document["claims"] == unverified_claims(theirs["token"])
    assert document["header"] == jwt.get_unverified_header(theirs["token"])
    assert document["expired"] is False
    assert document["verified"] is None
    query = parse_qs(urlsplit(theirs["url"]).query)
    assert query["access_token"] == [theirs["token"]]
