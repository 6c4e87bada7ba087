"""scripts/bench-peers.sh runs: one tiny run of every scenario against every server, and a report
that parses. Benchmarks are not timed tests: nothing here looks at how fast anything was."""

import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVERS = ["pubsub", "mosquitto", "nats", "floor"]
SCENARIOS = ["steady", "burst", "groups", "connect", "idle"]
# pubsub's publisher over REST: the brokers have no REST API, so only pubsub runs these; the report
# compares them with the brokers' runs of the same scenario.
REST_SCENARIOS = ["steady-rest", "burst-rest"]


def test_tiny_run_of_every_scenario_against_every_server():
    with tempfile.TemporaryDirectory() as directory:
        results = os.path.join(directory, "runs.jsonl")
        run = subprocess.run(
            [os.path.join(ROOT, "scripts", "bench-peers.sh"), "--tiny", "--results", results],
            env={**os.environ, "PUBSUB_BINARY": os.environ["PUBSUB_BIN"]},
            capture_output=True, text=True, timeout=600,
        )
        assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-2000:]
        rows = [json.loads(line) for line in open(results)]

    # Every server ran every scenario once, pubsub the REST ones too, without an error, and
    # delivered everything.
    expected = [(s, c) for s in SERVERS for c in SCENARIOS] + [("pubsub", c) for c in REST_SCENARIOS]
    assert sorted((r["server"], r["scenario"]) for r in rows) == sorted(expected)
    for row in rows:
        assert "error" not in row, row
        if row["scenario"] in ("steady", "burst", "groups", *REST_SCENARIOS):
            assert row["delivered"] > 0 and row["lost"] == 0 and row["duplicated"] == 0, row
            assert row["cpuMicrosPerDelivery"] is not None, row
        if row["scenario"] == "idle":
            assert row["bytesPerConnection"] is not None, row
        if row["scenario"] == "connect":
            assert row["seconds"] > 0, row

    # The report: a Markdown table with a column per server and the ratio, a number in every cell.
    lines = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["Measure"] + SERVERS + ["pubsub ÷ mosquitto"]
    measures = lines[2:] if lines[1].startswith("|---") else lines[1:]
    # Eight measures, and the four of steady and burst again with pubsub's publisher over REST.
    assert len(measures) == 12, measures
    assert sum("pubsub's publisher over REST" in line for line in measures) == 4, measures
    for line in measures:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert all(re.fullmatch(r"[0-9.]+", cell) for cell in cells[1:5]), line
        # A tiny run's CPU time can be below the 10 ms clock: then there is no ratio to give.
        assert re.fullmatch(r"[0-9.]+× \((lower|higher) is better\)|n/a \(mosquitto measured 0\)", cells[5]), line
    assert "Nothing was lost or duplicated in any run that completed." in run.stdout
    assert "Rows marked “pubsub's publisher over REST”" in run.stdout
