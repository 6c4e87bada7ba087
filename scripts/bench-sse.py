#!/usr/bin/env python3
"""SSE fan-out through `pubsub serve-sse`: N readers on one group,
M messages published to it; reports readers held, delivered events/s, lost and duplicated events
per reader, and the gateway's resident memory per reader (RSS with the readers connected minus RSS
before, over N).

    scripts/bench-sse.py --pubsub .build/release/pubsub --readers 1000 --messages 1000

It starts its own `pubsub serve` and `pubsub serve-sse` on free loopback ports and stops them.
Readers are raw asyncio sockets (no HTTP library) that count events and check their order; the
publisher is `pubsub send-to-group --lines` (each message acked before the next: a steady stream;
a burst over 1000 messages would overflow the reliable upstream's unacknowledged buffer at the
service). Bounded: it gives up after --timeout seconds. BENCH_GATEWAY_LOG / BENCH_SERVE_LOG set the
log levels of the two processes (their logs are kept in temporary files, printed on loss).
"""

import argparse
import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ID = re.compile(rb"\nid: (\d+)\n")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Reader:
    def __init__(self):
        self.ids = []
        self.open = asyncio.Event()

    async def run(self, port, group, expected, done):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /events?group={group} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        pending = b"\n"
        while len(self.ids) < expected:
            chunk = await reader.read(65536)
            if not chunk:
                break
            if not self.open.is_set() and b": connected" in chunk:
                self.open.set()
            pending += chunk
            last = 0
            for match in ID.finditer(pending):
                self.ids.append(int(match.group(1)))
                last = match.end() - 1
            pending = pending[last:]
        done()
        writer.close()


async def main(args):
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    env = {k: v for k, v in os.environ.items() if k not in ("WebPubSubConnectionString", "PUBSUB_HUB")}
    serve_log = tempfile.NamedTemporaryFile("w+", prefix="bench-sse-serve-", suffix=".log", delete=False)
    serve = subprocess.Popen([args.pubsub, "serve", "--port", "0", "--log-level", os.environ.get("BENCH_SERVE_LOG", "error")],
                             stdout=subprocess.PIPE, stderr=serve_log, text=True, env=env)
    connection = None
    for _ in range(4):
        line = serve.stdout.readline()
        if line.startswith("Connection string: "):
            connection = line.split(": ", 1)[1].strip()
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-sse-gateway-", suffix=".log", delete=False)
    gateway = subprocess.Popen(
        [args.pubsub, "serve-sse", "--hub", "bench", "--group", "g", "--public-group", "g", "--port", "0",
         "--connection-string", connection, "--log-level", os.environ.get("BENCH_GATEWAY_LOG", "warning")],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env,
    )
    port = int(gateway.stdout.readline().rsplit(":", 1)[1])
    try:
        with open(log.name) as lines:
            assert any("upstream ready" in line for line in lines), "the listening line comes after the upstream is ready"
        baseline = rss_kib(gateway.pid)
        readers = [Reader() for _ in range(args.readers)]
        finished = 0
        all_done = asyncio.Event()

        def done():
            nonlocal finished
            finished += 1
            if finished == len(readers):
                all_done.set()

        tasks = [asyncio.create_task(r.run(port, "g", args.messages, done)) for r in readers]
        connect_start = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(r.open.wait() for r in readers)), args.timeout)
        connect_seconds = time.monotonic() - connect_start
        held = rss_kib(gateway.pid)
        lines = "".join(f"{i}\n" for i in range(args.messages))
        start = time.monotonic()
        publisher = await asyncio.create_subprocess_exec(
            args.pubsub, "send-to-group", "g", "--lines", "--hub", "bench", "--connection-string", connection, "-q",
            stdin=asyncio.subprocess.PIPE,
        )
        await publisher.communicate(lines.encode())
        try:
            await asyncio.wait_for(all_done.wait(), args.timeout)
        except asyncio.TimeoutError:
            pass
        elapsed = time.monotonic() - start
        delivered = sum(len(r.ids) for r in readers)
        lost = sum(max(0, args.messages - len(set(r.ids))) for r in readers)
        duplicated = sum(len(r.ids) - len(set(r.ids)) for r in readers)
        out_of_order = sum(1 for r in readers if r.ids != sorted(r.ids))
        for task in tasks:
            task.cancel()
        print(f"readers held: {sum(1 for r in readers if r.open.is_set())} of {args.readers} (connected in {connect_seconds:.2f} s)")
        print(f"messages: {args.messages} published; events delivered: {delivered} in {elapsed:.2f} s = {delivered / elapsed:,.0f} events/s")
        print(f"lost: {lost}, duplicated: {duplicated}, readers out of order: {out_of_order}")
        print(f"gateway RSS: {baseline} KiB idle, {held} KiB with {args.readers} readers = {(held - baseline) / args.readers:.1f} KiB per reader")
        if lost or duplicated:
            print(f"logs: {log.name} {serve_log.name}")
        return 0 if lost == 0 and duplicated == 0 and out_of_order == 0 else 1
    finally:
        gateway.terminate()
        serve.terminate()
        gateway.wait(20)
        serve.wait(20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pubsub", default=".build/release/pubsub")
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=120)
    sys.exit(asyncio.run(main(parser.parse_args())))
