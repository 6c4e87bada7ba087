"""`pubsub subscribe …` (or another long-running verb) run as a child process, its output lines
collected as they arrive."""

import os
import subprocess
import threading

from conftest import _binary


class Subscription:
    """`pubsub subscribe …` as a child process; lines are collected as they arrive."""

    def __init__(self, *args, connection_string=None, verb="subscribe", env=None):
        env = {k: v for k, v in (env or os.environ).items() if k not in ("WebPubSubConnectionString", "PUBSUB_HUB")}
        command = [str(_binary()), verb, *args]
        if connection_string:
            command += ["--connection-string", connection_string]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines, self.errors = [], []
        self.condition = threading.Condition()
        self.pumps = [
            threading.Thread(target=self._pump, args=(self.process.stdout, self.lines), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, self.errors), daemon=True),
        ]
        for pump in self.pumps:
            pump.start()

    def _pump(self, stream, into):
        for line in stream:
            with self.condition:
                into.append(line.rstrip("\n"))
                self.condition.notify_all()

    def wait_for(self, predicate, what, timeout=20):
        with self.condition:
            if not self.condition.wait_for(predicate, timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}; stdout={self.lines[-5:]} stderr={self.errors}")

    def wait_ready(self):
        self.wait_for(lambda: any("pubsub: ready" in e for e in self.errors), "ready")

    def wait_exit(self, timeout=30):
        try:
            status = self.process.wait(timeout=timeout)
            # The process is gone, but its last lines may still be on their way through the pipes:
            # the pumps end at end of file.
            for pump in self.pumps:
                pump.join(timeout=10)
            return status
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"still running after {timeout} s; {len(self.lines)} lines, last {self.lines[-3:]}; stderr={self.errors[-10:]}"
            ) from None

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
