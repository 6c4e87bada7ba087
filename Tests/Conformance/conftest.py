"""Shared fixtures: the built `pubsub` binary, run the way a user runs it."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


def _binary() -> Path:
    explicit = os.environ.get("PUBSUB_BIN")
    if explicit:
        return Path(explicit)
    bin_dir = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(bin_dir) / "pubsub"


@pytest.fixture(scope="session")
def pubsub():
    binary = _binary()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `swift build` first (scripts/test.sh does)")
    env = {k: v for k, v in os.environ.items() if k not in ("WebPubSubConnectionString", "PUBSUB_HUB")}

    def run(*args: str, stdin: str = "") -> Run:
        done = subprocess.run(
            [str(binary), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
        )
        return Run(done.returncode, done.stdout, done.stderr)

    return run
