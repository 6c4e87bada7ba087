/// The demo page served at `/`: plain HTML and JavaScript, no build step. It opens an EventSource on
/// `events`, lists messages as they arrive, and publishes with `POST publish`. Its own query
/// (`?hub=…&group=…&access_token=…`) fills the form and connects at once.
enum SSEDemoPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>pubsub: Server-Sent Events</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; }
          fieldset { border: 1px solid #ccc; margin-bottom: 1rem; }
          label { display: block; margin: .3rem 0; }
          input, textarea { width: 100%; box-sizing: border-box; font: inherit; }
          #status { color: #555; }
          #messages { list-style: none; padding: 0; font-family: ui-monospace, monospace; }
          #messages li { border-bottom: 1px solid #eee; padding: .3rem 0; white-space: pre-wrap; }
          #messages .meta { color: #888; margin-right: .5rem; }
          #messages .loss { color: #b00; }
        </style>
        </head>
        <body>
        <h1>pubsub &middot; live messages</h1>
        <fieldset>
          <legend>Listen</legend>
          <label>Hub (only for <code>pubsub serve</code>) <input id="hub" placeholder="chat"></label>
          <label>Groups, comma-separated <input id="groups" placeholder="orders"></label>
          <label>Access token (optional for public groups) <input id="token" placeholder="from: pubsub token --output token"></label>
          <button id="connect">Connect</button> <span id="status">not connected</span>
        </fieldset>
        <fieldset>
          <legend>Publish</legend>
          <label>Group (empty: server-wide, needs a service token) <input id="publishGroup"></label>
          <label>Message <textarea id="message" rows="2">Hello World</textarea></label>
          <button id="publish">Publish</button> <span id="publishStatus"></span>
        </fieldset>
        <ul id="messages"></ul>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const page = new URLSearchParams(location.search);
        $("hub").value = page.get("hub") || "";
        $("groups").value = page.getAll("group").join(",");
        $("token").value = page.get("access_token") || "";
        $("publishGroup").value = page.getAll("group")[0] || "";
        let source = null;

        function show(kind, text, className) {
          const item = document.createElement("li");
          if (className) item.className = className;
          const meta = document.createElement("span");
          meta.className = "meta";
          meta.textContent = kind;
          item.append(meta, document.createTextNode(text));
          $("messages").prepend(item);
        }

        function query(extra) {
          const params = new URLSearchParams();
          if ($("hub").value.trim()) params.set("hub", $("hub").value.trim());
          if ($("token").value.trim()) params.set("access_token", $("token").value.trim());
          for (const [key, value] of extra) params.append(key, value);
          return params.toString();
        }

        function connect() {
          if (source) source.close();
          const groups = $("groups").value.split(",").map((g) => g.trim()).filter(Boolean);
          source = new EventSource("events?" + query(groups.map((g) => ["group", g])));
          $("status").textContent = "connecting…";
          source.onopen = () => { $("status").textContent = "connected"; document.body.dataset.state = "open"; };
          source.onerror = () => { $("status").textContent = "reconnecting…"; };
          source.addEventListener("server-message", (e) => show("server #" + e.lastEventId, e.data));
          source.addEventListener("group-message", (e) => show("group #" + e.lastEventId, e.data));
          source.addEventListener("loss", (e) => show("loss", e.data, "loss"));
        }

        async function publish() {
          const group = $("publishGroup").value.trim();
          const headers = { "Content-Type": "text/plain" };
          if ($("token").value.trim()) headers.Authorization = "Bearer " + $("token").value.trim();
          const params = new URLSearchParams();
          if ($("hub").value.trim()) params.set("hub", $("hub").value.trim());
          if (group) params.set("group", group);
          const response = await fetch("publish?" + params, { method: "POST", headers, body: $("message").value });
          $("publishStatus").textContent = response.ok ? "sent" : response.status + ": " + (await response.text());
        }

        $("connect").onclick = connect;
        $("publish").onclick = publish;
        if (page.has("group") || page.has("access_token")) connect();
        </script>
        </body>
        </html>
        """#
}
