"""A real federation for the HTTP tests: one fedgate-coordinator serving
server.http on a free loopback port, and real fedgate-client processes training
Fashion-MNIST against it. Used by metrics_scrape_test.py and
dashboard_browser_test.py.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def wait_for_file(path, process, what, timeout_s=60):
    deadline = time.time() + timeout_s
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        assert process.poll() is None, what + ": the coordinator exited at start-up"
        assert time.time() < deadline, what + ": not written"
        time.sleep(0.05)
    return open(path).read().strip()


class Federation:
    """Starts the coordinator and `clients` clients; stop() ends them all."""

    def __init__(self, coordinator_bin, client_bin, work, clients=2, seconds=40,
                 extra_args=()):
        if not os.path.exists(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz")):
            skip("dataset-fashion-mnist is not installed")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        self.work = work
        endpoint_file = os.path.join(work, "endpoint")
        url_file = os.path.join(work, "http-url")
        self.coordinator = subprocess.Popen(
            [coordinator_bin, "--bind", "tcp://127.0.0.1:*", "--endpoint-file", endpoint_file,
             "--http", "127.0.0.1:0", "--http-address-file", url_file,
             "--max-seconds", str(seconds), "--set", "run.eval_every=40", *extra_args],
            stdout=open(os.path.join(work, "coordinator.out"), "w"), stderr=subprocess.STDOUT)
        endpoint = wait_for_file(endpoint_file, self.coordinator, "--endpoint-file")
        self.url = wait_for_file(url_file, self.coordinator, "--http-address-file")
        self.clients = [
            subprocess.Popen([client_bin, "--connect", endpoint, "--clients", str(clients),
                              "--index", str(i), "--data-dir", DATA_DIR],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i in range(clients)]

    def get(self, path):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=10) as response:
            return response.status, response.headers, response.read().decode()

    def stop(self):
        """Interrupts the coordinator (it says Bye to the clients) and waits for everyone."""
        if self.coordinator.poll() is None:
            self.coordinator.send_signal(signal.SIGINT)
        status = self.coordinator.wait(timeout=30)
        for client in self.clients:
            try:
                client.wait(timeout=15)
            except subprocess.TimeoutExpired:
                client.kill()
        return status

    def log(self):
        return open(os.path.join(self.work, "coordinator.out")).read()
