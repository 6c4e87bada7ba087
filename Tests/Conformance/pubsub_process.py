"""The built `pubsub` binary and `pubsub serve` as a child process, for every Python suite (ours and
the live run of Microsoft's SDK tests, Tests/MicrosoftSuites)."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _binary() -> Path:
    explicit = os.environ.get("PUBSUB_BIN")
    if explicit:
        return Path(explicit)
    bin_dir = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(bin_dir) / "pubsub"


class LocalService:
    """`pubsub serve --port 0` as a child process: the real binary on an ephemeral loopback port."""

    def __init__(self, binary: Path, *options: str, open_files: int = None):
        """`open_files` sets the service's open-files limit, soft and hard (`ulimit -n`)."""
        env = {k: v for k, v in os.environ.items() if k not in ("WebPubSubConnectionString", "PUBSUB_ACCESS_KEY")}

        def limit_open_files():
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        self.process = subprocess.Popen(
            [str(binary), "serve", "--port", "0", "--log-level", "warning", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=limit_open_files if open_files else None,
        )
        self.connection_string = None
        self.port = None
        self.banner = []
        # The service prints three lines once it listens; readline blocks until each arrives.
        for _ in range(3):
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("pubsub serve exited: " + self.process.stderr.read())
            self.banner.append(line.rstrip("\n"))
            if line.startswith("Connection string: "):
                self.connection_string = line.split(": ", 1)[1].strip()
            if line.startswith("pubsub serve: listening on "):
                self.port = int(line.rsplit(":", 1)[1])
        assert self.connection_string and self.port

    def stop(self) -> int:
        return stop_process(self.process)


def stop_process(process) -> int:
    """SIGTERM, then the exit status (killed if it takes more than 20 s)."""
    process.terminate()
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()


