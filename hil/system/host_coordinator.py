"""The native coordinator on the host, as a board's gateway, and what its
metrics say about one client. It binds loopback only; QEMU's user-mode network
carries the guest's 10.0.2.2 to it."""

import json
import os
import signal
import subprocess
import time


class CoordinatorError(AssertionError):
    pass


class HostCoordinator:
    def __init__(self, binary, work_dir, name, extra_args=()):
        self.binary = binary
        self.work_dir = work_dir
        self.name = name
        self.extra_args = list(extra_args)
        self.metrics = os.path.join(work_dir, name + "-metrics.jsonl")
        self.process = None
        self.port = None

    def start(self, port=None):
        """Starts it on `port`, or on a free one; returns the port."""
        endpoint_file = os.path.join(self.work_dir, self.name + "-endpoint")
        if os.path.exists(endpoint_file):
            os.remove(endpoint_file)
        bind = f"tcp://127.0.0.1:{port if port else '*'}"
        # Emulated boards are slow: a 5 s heartbeat (silence after 15 s) keeps a
        # busy guest registered; an evaluation per version, with the per-client
        # table in each line, shows each update at once.
        args = [self.binary, "--bind", bind, "--endpoint-file", endpoint_file,
                "--metrics", self.metrics, "--set", "server.heartbeat_ms=5000",
                "--set", "run.eval_every=1", "--set", "run.metrics_clients=true", "--quiet"]
        args += self.extra_args
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=open(os.path.join(self.work_dir, self.name + ".log"), "ab"),
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (os.path.exists(endpoint_file) and open(endpoint_file).read().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise CoordinatorError(f"{self.name} did not start: {self.log()}")
            time.sleep(0.1)
        self.port = int(open(endpoint_file).read().strip().rsplit(":", 1)[1])
        return self.port

    def kill(self):
        """Goes away without a word (SIGKILL): no Bye reaches the clients."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        """Ends the run (SIGTERM: clients get Bye); kills it if it hangs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self):
        path = os.path.join(self.work_dir, self.name + ".log")
        return open(path, errors="replace").read()[-3000:] if os.path.exists(path) else ""

    def last_event(self):
        """The newest complete metrics line, as a dict ({} before the first)."""
        if not os.path.exists(self.metrics):
            return {}
        last = {}
        with open(self.metrics) as f:
            for line in f:
                if line.endswith("\n"):
                    last = json.loads(line)
        return last

    def client(self, name):
        """The coordinator's counts for client `name` (offers, accepts, updates...)."""
        return self.last_event().get("clients", {}).get(name, {})

    def wait_for_updates(self, name, at_least, timeout):
        """Waits until `name` has had `at_least` updates applied; returns the seconds it took."""
        started = time.monotonic()
        while self.client(name).get("updates", 0) < at_least:
            if self.process.poll() is not None:
                raise CoordinatorError(f"{self.name} exited: {self.log()}")
            if time.monotonic() - started > timeout:
                raise CoordinatorError(f"{self.name}: {name} had {self.client(name)} after {timeout} s, "
                                       f"wanted {at_least} updates applied")
            time.sleep(0.5)
        return time.monotonic() - started
