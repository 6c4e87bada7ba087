"""Shared fixtures: the built `pubsub` binary, run the way a user runs it."""

import os
import subprocess
from dataclasses import dataclass

import pytest

from pubsub_process import ROOT, LocalService, _binary, stop_process  # noqa: F401 (tests import them from here)


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


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


@pytest.fixture(scope="module")
def service():
    local = LocalService(_binary())
    yield local
    status = local.stop()
    assert status == 0, f"pubsub serve exited {status} on SIGTERM: " + local.process.stderr.read()
