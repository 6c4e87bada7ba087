#!/usr/bin/env python3
"""pubsub serve next to mosquitto, nats-server and a one-write-per-delivery floor, side by side.

Run through scripts/bench-peers.sh, which builds what is needed and enters a private network
namespace. Every server runs the same scenarios with the same load generator (`pubsub bench`; the
brokers through its raw WebSocket mode), pinned to core 0 with the load on core 1 (or unpinned),
servers interleaved within each round so that the machine's drift falls on all of them alike.
Each run is bounded: every bench stops by itself and every server is stopped after its run.
"""

import argparse
import datetime
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def template(data: bytes) -> str:
    """Bytes as a `pubsub bench` frame template: printable ASCII as is, the rest as \\xHH."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in "\\{}":
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append("\\x%02x" % byte)
    return "".join(out)


def mqtt_length(value: int) -> bytes:
    """MQTT's variable-length remaining length."""
    out = bytearray()
    while True:
        digit, value = value % 128, value // 128
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def mqtt_string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


# MQTT 3.1.1 CONNECT: clean session, keepalive off, an empty client id (the broker assigns one).
MQTT_CONNECT = b"\x10" + mqtt_length(12) + mqtt_string("MQTT") + b"\x04\x02\x00\x00" + mqtt_string("")
NATS_CONNECT = 'CONNECT \\{"verbose":false,"pedantic":false}\\r\\n'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench-peers: {name} exited at start (status {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench-peers: {name} did not listen on port {port} within 15 s")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One server under test: started for a run, stopped after it."""

    def __init__(self, name, pubsub, floor, workdir, pin, variants=None):
        self.name, self.pubsub, self.floor, self.workdir, self.pin = name, pubsub, floor, workdir, pin
        # A variant ("pubsub-before"): another pubsub binary, for a change's before and after in one run.
        if name in (variants or {}):
            self.pubsub = variants[name]
        self.process = None
        self.port = None
        self.connection_string = None

    def start(self):
        prefix = ["taskset", "-c", "0"] if self.pin else []
        self.port = free_port()
        if self.name.startswith("pubsub"):
            self.process = subprocess.Popen(
                prefix + [self.pubsub, "serve", "--port", str(self.port), "--quiet"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for line in self.process.stdout:
                if line.startswith("Connection string: "):
                    self.connection_string = line.split(": ", 1)[1].strip()
                    break
            else:
                raise SystemExit("bench-peers: pubsub serve printed no connection string")
        elif self.name == "mosquitto":
            conf = os.path.join(self.workdir, "mosquitto.conf")
            # mosquitto 2.0.11 starts no WebSocket listener unless a plain one exists too.
            with open(conf, "w") as out:
                out.write(f"listener {free_port()} 127.0.0.1\nlistener {self.port}\nprotocol websockets\n"
                          "allow_anonymous true\nmax_queued_messages 0\nlog_dest none\n")
            self.process = subprocess.Popen(prefix + ["mosquitto", "-c", conf],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif self.name == "nats":
            conf = os.path.join(self.workdir, "nats.conf")
            with open(conf, "w") as out:
                out.write(f'listen: "127.0.0.1:{free_port()}"\n'
                          f'websocket {{ listen: "127.0.0.1:{self.port}", no_tls: true }}\n')
            self.process = subprocess.Popen(prefix + ["nats-server", "-c", conf],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif self.name == "floor":
            self.process = subprocess.Popen(prefix + [self.floor, str(self.port)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.port, self.process, self.name)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def bench_arguments(self, scenario, group, size, rest=False):
        """How `pubsub bench` reaches this server for a scenario whose subscribers use `group`
        (`rest`: pubsub's publisher uses the REST API, as `pubsub publish` and the service SDKs do)."""
        if self.name.startswith("pubsub"):
            options = ["--connection-string", self.connection_string]
            if scenario in ("steady", "burst", "groups"):
                options += ["--via", "rest" if rest else "websocket"]
            return options
        url = ["--raw-url", f"ws://127.0.0.1:{self.port}/", "--await-first-frame"]
        if self.name == "mosquitto":
            subscribe = b"\x82" + mqtt_length(2 + 2 + len(group) + 1) + b"\x00\x01" + mqtt_string(group) + b"\x00"
            publish = b"\x30" + mqtt_length(2 + len(group) + size) + mqtt_string(group)
            subscribe_template = template(subscribe).replace(template(group.encode()), "{group}")
            options = url + ["--subprotocol", "mqtt", "--binary", "--subscriber-preamble", template(MQTT_CONNECT)]
            if scenario != "idle":
                options += ["--subscriber-preamble", subscribe_template]
            options += ["--publisher-preamble", template(MQTT_CONNECT),
                        "--publish-prefix", template(publish).replace(template(group.encode()), "{group}")]
            return options
        if self.name == "nats":
            preamble = NATS_CONNECT + ("" if scenario == "idle" else "SUB {group} 1\\r\\n")
            return url + ["--subscriber-preamble", preamble, "--publisher-preamble", NATS_CONNECT,
                          "--publish-prefix", "PUB {group} {size}\\r\\n", "--publish-suffix", "\\r\\n"]
        return url + ["--subscriber-preamble", "S{group}", "--publish-prefix", "P{group} "]


def scenarios(tiny: bool, large: int):
    """(name, bench subcommand arguments, group name, message size)."""
    if tiny:
        return [
            ("steady", ["fanout", "--subscribers", "20", "--rate", "20", "--duration", "1s"], "bench", 64),
            ("steady-rest", ["fanout", "--subscribers", "20", "--rate", "20", "--duration", "1s"], "bench", 64),
            ("burst", ["fanout", "--subscribers", "20", "--count", "20"], "bench", 64),
            ("burst-rest", ["fanout", "--subscribers", "20", "--count", "20"], "bench", 64),
            ("groups", ["groups", "--groups", "2", "--members", "10", "--size", "2048", "--count", "10"], "bench-0", 2048),
            ("connect", ["connect", "--connections", "20", "--concurrency", "20"], "bench-connect", 64),
            ("idle", ["idle", "--connections", "20", "--hold", "1s"], "bench", 64),
        ]
    runs = [
        ("steady", ["fanout", "--subscribers", "1000", "--rate", "20", "--duration", "10s"], "bench", 64),
        ("steady-rest", ["fanout", "--subscribers", "1000", "--rate", "20", "--duration", "10s"], "bench", 64),
        ("burst", ["fanout", "--subscribers", "1000", "--count", "300"], "bench", 64),
        ("burst-rest", ["fanout", "--subscribers", "1000", "--count", "300"], "bench", 64),
        ("groups", ["groups", "--groups", "10", "--members", "1000", "--size", "2048", "--count", "100"], "bench-0", 2048),
        ("connect", ["connect", "--connections", "1000", "--concurrency", "1000"], "bench-connect", 64),
        ("idle", ["idle", "--connections", "1000", "--hold", "2s"], "bench", 64),
    ]
    if large:
        per_second = max(1, 20000 // large)
        runs += [
            (f"steady-{large}", ["fanout", "--subscribers", str(large), "--rate", str(per_second), "--duration", "10s"], "bench", 64),
            (f"steady-rest-{large}", ["fanout", "--subscribers", str(large), "--rate", str(per_second), "--duration", "10s"], "bench", 64),
            (f"burst-{large}", ["fanout", "--subscribers", str(large), "--count", str(max(1, 300000 // large))], "bench", 64),
            (f"burst-rest-{large}", ["fanout", "--subscribers", str(large), "--count", str(max(1, 300000 // large))], "bench", 64),
            (f"connect-{large}", ["connect", "--connections", str(large), "--concurrency", str(large)], "bench-connect", 64),
            ("idle-19000", ["idle", "--connections", "19000", "--hold", "2s"], "bench", 64),
        ]
    return runs


def is_rest(scenario):
    """A scenario whose pubsub publisher uses REST; the brokers have no REST API, so they run only
    the same scenario with their own publisher, and their row of it is compared."""
    return "-rest" in scenario


def peer_scenario(scenario):
    """The scenario a broker's row comes from for `scenario`."""
    return scenario.replace("-rest", "")


def run_one(server, pubsub, scenario, arguments, group, size, pin):
    kind = scenario.split("-")[0]
    server.start()
    try:
        command = [pubsub, "bench"] + arguments + server.bench_arguments(kind, group, size, rest=is_rest(scenario)) + \
            ["--hub", "peers", "--format", "json", "--quiet"]
        if pin:
            command = ["taskset", "-c", "1"] + command
        before = cpu_seconds(server.process.pid)
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        wall = time.monotonic() - started
        cpu = cpu_seconds(server.process.pid) - before
    finally:
        server.stop()
    if result.returncode != 0:
        return {"server": server.name, "scenario": scenario, "error": (result.stderr or result.stdout).strip()[-400:]}
    report = json.loads(result.stdout)
    service = report.get("service") or {}
    latency = report.get("latencyMicroseconds") or {}
    row = {
        "server": server.name, "scenario": scenario,
        "delivered": report.get("delivered"), "lost": report.get("lost"), "duplicated": report.get("duplicated"),
        "perSecond": report.get("deliveriesPerSecond"), "seconds": report.get("seconds"),
        "p99ms": latency["p99"] / 1000 if latency and kind in ("steady", "burst", "groups") else None,
        "cpuMicrosPerDelivery": service.get("cpuMicrosecondsPerDelivery"),
        "bytesPerConnection": service.get("bytesPerConnection"),
        "runCPUSeconds": round(cpu, 2), "wallSeconds": round(wall, 2),
    }
    if kind == "connect":
        row["seconds"] = report.get("seconds")
    return row


METRICS = [
    # (label, scenario kind, row key, better, format)
    ("service CPU per delivery, steady 20,000/s (µs)", "steady", "cpuMicrosPerDelivery", "lower", "%.2f"),
    ("p99 latency, steady 20,000/s (ms)", "steady", "p99ms", "lower", "%.1f"),
    ("burst, deliveries/s", "burst", "perSecond", "higher", "%.0f"),
    ("service CPU per delivery, burst (µs)", "burst", "cpuMicrosPerDelivery", "lower", "%.2f"),
    ("2 KB to groups, deliveries/s", "groups", "perSecond", "higher", "%.0f"),
    ("service CPU per delivery, 2 KB to groups (µs)", "groups", "cpuMicrosPerDelivery", "lower", "%.2f"),
    ("clients connecting at once (s)", "connect", "seconds", "lower", "%.2f"),
    ("memory per idle connection (KiB)", "idle", "bytesPerConnection", "lower", "%.2f"),
]


def describe(arguments):
    """The scale of a scenario, from its bench arguments: "1,000 subscribers", "10 × 1,000"."""
    options = dict(zip(arguments[1::2], arguments[2::2]))
    if "--groups" in options:
        return f"{int(options['--groups']):,} groups × {int(options['--members']):,}"
    for key in ("--subscribers", "--connections"):
        if key in options:
            return f"{int(options[key]):,}"
    return ""


def summarize(rows, servers, runs):
    """Medians and spreads per server, and pubsub's ratio to mosquitto's median."""
    compare = "mosquitto" in servers and "pubsub" in servers
    header = "| Measure | " + " | ".join(servers) + (" | pubsub ÷ mosquitto |" if compare else " |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for label, kind, key, better, fmt in METRICS:
        for scenario, arguments, _, _ in runs:
            if scenario.split("-")[0] != kind:
                continue
            medians = {}
            cells = []
            for server in servers:
                source = scenario if server.startswith("pubsub") else peer_scenario(scenario)
                values = [r[key] for r in rows if r["server"] == server and r["scenario"] == source and r.get(key) is not None]
                if key == "bytesPerConnection":
                    values = [v / 1024 for v in values]
                if not values:
                    cells.append("—")
                    continue
                median = statistics.median(values)
                medians[server] = median
                spread = f" ({fmt % min(values)}–{fmt % max(values)})" if len(values) > 1 else ""
                cells.append(fmt % median + spread)
            ratio = ""
            if "pubsub" in medians and medians.get("mosquitto"):
                ratio = "%.2f× (%s is better)" % (medians["pubsub"] / medians["mosquitto"], better)
            elif "pubsub" in medians and "mosquitto" in medians:
                # A run too short for the 10 ms CPU clock: mosquitto measured 0.
                ratio = "n/a (mosquitto measured 0)"
            publisher = ", pubsub's publisher over REST" if is_rest(scenario) else ""
            lines.append(f"| {label}, {describe(arguments)}{publisher} | " + " | ".join(cells) + (f" | {ratio} |" if compare else " |"))
    errors = [r for r in rows if "error" in r]
    lost = [r for r in rows if (r.get("lost") or 0) or (r.get("duplicated") or 0)]
    return "\n".join(lines), errors, lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pubsub", required=True)
    parser.add_argument("--floor", required=True)
    parser.add_argument("--variant", action="append", default=[], metavar="pubsub-NAME=BINARY",
                        help="another pubsub binary as the server pubsub-NAME (a change's before); repeatable")
    parser.add_argument("--servers", default="pubsub,mosquitto,nats,floor")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large", type=int, default=10000, help="the larger subscriber count (0: none)")
    parser.add_argument("--tiny", action="store_true", help="a tiny scenario of each kind (checks the harness)")
    parser.add_argument("--unpinned", action="store_true", help="servers and load on both cores")
    parser.add_argument("--only", default="", help="comma-separated scenario names to run")
    parser.add_argument("--results", help="also write every run's JSON line here")
    parser.add_argument("--docs", help="append the table to this Markdown file")
    parser.add_argument("--command", default="scripts/bench-peers.sh", help="the command line to record")
    args = parser.parse_args()
    if args.tiny and "--rounds" not in sys.argv:
        args.rounds = 1
    if not 1 <= args.rounds <= 10:
        raise SystemExit("bench-peers: --rounds must be from 1 to 10")

    servers = [s for s in args.servers.split(",") if s]
    variants = {}
    for variant in args.variant:
        name, _, binary = variant.partition("=")
        if not name.startswith("pubsub-") or not binary:
            raise SystemExit(f"bench-peers: --variant takes pubsub-NAME=BINARY (got {variant!r})")
        variants[name] = binary
    for name in servers:
        if name not in ("pubsub", "mosquitto", "nats", "floor") and name not in variants:
            raise SystemExit(f"bench-peers: unknown server {name} (pubsub, mosquitto, nats, floor, or a --variant)")
    runs = scenarios(args.tiny, 0 if args.tiny else args.large)
    if args.only:
        wanted = args.only.split(",")
        runs = [r for r in runs if r[0] in wanted]
    pin = not args.unpinned
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for round_number in range(1, args.rounds + 1):
            print(f"== round {round_number} of {args.rounds}", file=sys.stderr, flush=True)
            for scenario, arguments, group, size in runs:
                # Interleaved: each scenario runs on every server before the next scenario.
                order = servers if round_number % 2 else list(reversed(servers))
                for name in order:
                    if is_rest(scenario) and not name.startswith("pubsub"):
                        continue
                    row = run_one(Server(name, args.pubsub, args.floor, workdir, pin, variants), args.pubsub, scenario, arguments, group, size, pin)
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    if args.results:
                        with open(args.results, "a") as out:
                            out.write(json.dumps(row) + "\n")
    table, errors, lost = summarize(rows, servers, runs)
    mode = "unpinned (both cores shared)" if args.unpinned else "each server pinned to core 0, load to core 1"
    when = datetime.date.today().isoformat()
    report = (f"### {when}: {mode}, {args.rounds} round(s), medians (min–max)\n\n"
              f"```console\n$ {args.command}\n```\n\n{table}\n")
    if any(is_rest(scenario) for scenario, _, _, _ in runs):
        report += ("\nRows marked “pubsub's publisher over REST” run pubsub with a publisher that POSTs each message to the "
                   "REST API (`pubsub bench --via rest`: what `pubsub publish`, the service SDKs and app servers use; a burst keeps "
                   "16 requests in flight); the brokers have no REST API, so those rows show their run of the same scenario with "
                   "their own client publisher.\n")
    if errors:
        report += "\nRuns that failed: " + "; ".join(f"{e['server']} {e['scenario']}: {e['error']}" for e in errors) + "\n"
    if lost:
        report += "\nRuns that lost or duplicated deliveries: " + "; ".join(f"{r['server']} {r['scenario']}" for r in lost) + "\n"
    else:
        report += "\nNothing was lost or duplicated in any run that completed.\n"
    print(report)
    if args.docs:
        with open(args.docs, "a") as out:
            out.write("\n" + report)
    sys.exit(1 if errors or lost else 0)


if __name__ == "__main__":
    main()
