"""A chat app server for Web PubSub event handlers: the app decides who connects, who may join or
publish to which room, and answers clients' events.

It runs unchanged behind `pubsub serve --event-handler …` and behind an Azure Web PubSub hub whose
event handler URL template points at it. SocketCluster-style middleware maps onto it like this:

* subscribe middleware: the `connect` handler hands out `webpubsub.joinLeaveGroup.<room>` roles, so
  the service itself refuses joins to other rooms;
* publish middleware: `webpubsub.sendToGroup.<room>` roles, the same way;
* emit middleware: user events come here, and a non-2xx answer refuses them (the client gets an
  `InternalServerError` ack).

Run it:  python app.py --port 3000 --access-key "$KEY"
then:    pubsub serve --access-key "$KEY" --event-handler \
           'chat=http://localhost:3000/eventhandler/{event} system=connect,connected,disconnected'
"""

import argparse
import base64
import hashlib
import hmac
import json
import threading

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

# Who may do what: room -> "publish" (join and send) or "subscribe" (join only).
MEMBERS = {
    "alice": {"lobby": "publish", "staff": "publish"},
    "bob": {"lobby": "publish"},
    "guest": {"lobby": "subscribe"},
}
BANNED = {"mallory"}

app = Flask(__name__)
settings = {"access_keys": [], "allowed_origins": ["*"]}
activity = []  # connected / disconnected events, newest last (GET /activity)
activity_changed = threading.Condition()


def signature_is_valid(connection_id, header):
    """ce-signature holds sha256=<hex HMAC of the connection id> per access key of the service."""
    offered = {part.strip().lower() for part in (header or "").split(",")}
    for key in settings["access_keys"]:
        digest = hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()
        if any(hmac.compare_digest("sha256=" + digest, candidate) for candidate in offered):
            return True
    return False


def load_state():
    """ce-connectionState: what this app stored on the connection (base64 JSON), round-tripped."""
    raw = request.headers.get("ce-connectionState")
    if not raw:
        return {}
    return json.loads(base64.b64decode(raw))


def with_state(response, state):
    response.headers["ce-connectionState"] = base64.b64encode(json.dumps(state).encode()).decode()
    return response


@app.route("/eventhandler/<event>", methods=["OPTIONS"])
def abuse_protection(event):
    """Web PubSub checks a handler before using it: allow the service's origin."""
    origin = request.headers.get("WebHook-Request-Origin", "")
    allowed = settings["allowed_origins"]
    if not origin or ("*" not in allowed and origin not in allowed):
        return Response(f"origin {origin!r} is not allowed\n", status=400)
    return Response(status=200, headers={"WebHook-Allowed-Origin": origin})


@app.route("/eventhandler/<event>", methods=["POST"])
def event_handler(event):
    connection_id = request.headers.get("ce-connectionId", "")
    if not signature_is_valid(connection_id, request.headers.get("ce-signature")):
        return Response("the request is not signed with this app's access key\n", status=401)
    kind = request.headers.get("ce-type", "")
    user = request.headers.get("ce-userId")
    if kind == "azure.webpubsub.sys.connect":
        return connect(request.get_json())
    if kind in ("azure.webpubsub.sys.connected", "azure.webpubsub.sys.disconnected"):
        entry = {"event": kind.rsplit(".", 1)[1], "connectionId": connection_id, "userId": user}
        if kind.endswith("disconnected"):
            entry["reason"] = (request.get_json(silent=True) or {}).get("reason")
        with activity_changed:
            activity.append(entry)
            activity_changed.notify_all()
        return Response(status=204)
    return user_event(request.headers.get("ce-eventName", ""), user)


def connect(body):
    user = (body.get("claims", {}).get("sub") or [None])[0]
    if not user:
        return Response("sign in first: connect with a token that names a user\n", status=401)
    if user in BANNED:
        return Response(f"{user} is banned from this chat\n", status=403)
    rooms = MEMBERS.get(user)
    if rooms is None:
        return Response(f"{user} is not a member of this chat\n", status=401)
    roles = [f"webpubsub.joinLeaveGroup.{room}" for room in rooms]
    roles += [f"webpubsub.sendToGroup.{room}" for room, right in rooms.items() if right == "publish"]
    response = jsonify({"userId": user, "groups": ["lobby"], "roles": roles})
    return with_state(response, {"user": user, "events": 0})


def user_event(name, user):
    state = load_state()
    state["events"] = state.get("events", 0) + 1
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    if name == "echo":
        return with_state(Response(request.get_data(), content_type=content_type), state)
    if name == "whoami":
        return with_state(jsonify({"userId": user, "events": state["events"]}), state)
    if name == "shout":
        if MEMBERS.get(user, {}).get("lobby") != "publish":
            return Response(f"{user} may not shout\n", status=403)
        return with_state(Response(request.get_data(as_text=True).upper(), content_type="text/plain"), state)
    if name == "message":  # a simple WebSocket client's frame
        if content_type.startswith("text/"):
            return with_state(Response("echo: " + request.get_data(as_text=True), content_type="text/plain"), state)
        return with_state(Response(request.get_data(), content_type="application/octet-stream"), state)
    return Response(f"no such event: {name}\n", status=404)


@app.get("/activity")
def recent_activity():
    """Who connected and disconnected. ?connectionId=… narrows it; &count=N&wait=S waits up to S
    seconds until there are N entries (a long poll, for dashboards and tests)."""
    connection_id = request.args.get("connectionId")
    count = request.args.get("count", default=0, type=int)
    wait = min(request.args.get("wait", default=0, type=float), 60)

    def selected():
        return [a for a in activity if connection_id in (None, a["connectionId"])]

    with activity_changed:
        activity_changed.wait_for(lambda: len(selected()) >= count, timeout=wait)
        return jsonify(selected())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--access-key", action="append", required=True, help="the service's access key(s)")
    parser.add_argument("--allowed-origin", action="append", help="host[:port] of the service (default: any)")
    options = parser.parse_args()
    settings["access_keys"] = options.access_key
    settings["allowed_origins"] = options.allowed_origin or ["*"]
    server = make_server(options.host, options.port, app, threaded=True)
    print(f"chat app listening on http://{options.host}:{server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
