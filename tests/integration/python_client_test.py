"""The Python client (python/fedgate_client/) in a mixed fleet: a real coordinator,
two native fedgate-client processes and one Python client, over loopback. The
accuracy must rise, and the coordinator's per-client table must show the Python
client's updates applied without errors (docs/protocol.md, section 6.2). Every
client registers exactly once: the native clients' first Hello is not lost to
ZMQ_IMMEDIATE (docs/protocol.md, section 10).

usage: python_client_test.py COORDINATOR CLIENT PYTHON_DIR BINDINGS_DIR DATA_DIR WORK_DIR
Exits 77 (skipped) when the dataset is not installed.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import time

coordinator_bin, client_bin, python_dir, bindings_dir, data_dir, work = sys.argv[1:7]
if not os.path.exists(os.path.join(data_dir, "train-images-idx3-ubyte.gz")):
    print("SKIP: dataset-fashion-mnist is not installed")
    sys.exit(77)

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
endpoint_file = os.path.join(work, "endpoint")
metrics_file = os.path.join(work, "metrics.jsonl")
# A run of fixed length in time: a starved Python process (a busy machine) still gets
# its seconds to contribute, however fast the native clients are.
SECONDS = 20
children = []


@atexit.register
def stop_children():
    """No process outlives a failed assertion."""
    for child in children:
        if child.poll() is None:
            child.kill()


coordinator = subprocess.Popen(
    [coordinator_bin, "--bind", "tcp://127.0.0.1:*", "--endpoint-file", endpoint_file,
     "--metrics", metrics_file, "--max-seconds", str(SECONDS), "--min-clients", "3",
     "--quiet", "--set", "run.eval_every=100", "--set", "server.heartbeat_ms=10000"],
    stdout=subprocess.DEVNULL)
children.append(coordinator)
deadline = time.time() + 60
while not (os.path.exists(endpoint_file) and os.path.getsize(endpoint_file) > 0):
    assert coordinator.poll() is None, "coordinator exited at start-up"
    assert time.time() < deadline, "coordinator wrote no endpoint"
    time.sleep(0.1)
endpoint = open(endpoint_file).read().strip()

# Three shares of one split: Python takes 2, the native clients 0 and 1. Python
# starts first (it loads its data slowly on a busy machine), the native clients once
# it has registered. The coordinator holds the model until all three are there, and
# the long heartbeat (a 30 s silence timeout) lets the first ones wait for it without
# registering again.
# No __pycache__ in the source tree.
environment = dict(os.environ, PYTHONPATH=os.pathsep.join([python_dir, bindings_dir]),
                   PYTHONDONTWRITEBYTECODE="1")
python_log = os.path.join(work, "python.log")
python_client = subprocess.Popen(
    [sys.executable, "-m", "fedgate_client", "--connect", endpoint, "--clients", "3",
     "--index", "2", "--data-dir", data_dir, "--give-up-after", "30"],
    env=environment, stdout=subprocess.PIPE, stderr=open(python_log, "w"), text=True)
children.append(python_client)
deadline = time.time() + 120
while "registered" not in open(python_log).read():
    assert python_client.poll() is None, "python client exited:\n" + open(python_log).read()
    assert time.time() < deadline, "python client did not register:\n" + open(python_log).read()
    time.sleep(0.2)

native_logs = [os.path.join(work, f"client{i}.log") for i in range(2)]
natives = [subprocess.Popen([client_bin, "--connect", endpoint, "--clients", "3", "--index",
                             str(i), "--data-dir", data_dir, "--give-up-after", "30"],
                            stdout=open(native_logs[i], "w"), stderr=subprocess.STDOUT)
           for i in range(2)]
children.extend(natives)

assert coordinator.wait(timeout=240) == 0, "coordinator failed"
out, _ = python_client.communicate(timeout=120)
assert python_client.returncode == 0, \
    f"python client exited {python_client.returncode}:\n" + open(python_log).read()
for native, log in zip(natives, native_logs):
    assert native.wait(timeout=60) == 0, "native client failed:\n" + open(log).read()
native_summaries = [json.loads(line) for log in native_logs for line in open(log)
                    if '"client_summary"' in line]

mine = json.loads(out.strip().splitlines()[-1])
lines = [json.loads(line) for line in open(metrics_file)]
evals = [line for line in lines if line.get("event") == "eval"]
summary = [line for line in lines if line.get("event") == "summary"][-1]
table = summary["clients"]
print("python client:", json.dumps(mine))
print("coordinator's per-client table:", json.dumps(table))
print("accuracy:", [round(e["accuracy"], 4) for e in evals], "->", summary["accuracy"])

assert summary["version"] >= 200, summary
assert evals[0]["accuracy"] < 0.2, evals[0]
assert summary["accuracy"] > 0.6, summary
python_row = table["python-2"]
assert python_row["updates"] > 0 and python_row["errors"] == 0, python_row
# The Python client may have sent one Update after the coordinator's last read.
assert mine["updates"] - python_row["updates"] in (0, 1), (python_row, mine)
assert python_row["offers"] == python_row["accepts"] + python_row["rejects"], python_row
# One Hello each: the native client waits for its connection before the first
# (ZMQ_IMMEDIATE would refuse it), the Python DEALER queues it.
assert mine["registrations"] == 1, mine
assert len(native_summaries) == 2, native_summaries
for native in native_summaries:
    assert native["registrations"] == 1, native
    assert native["updates"] > 0, native
assert mine["samples"] == 20000, mine

# The share is the native split's (docs/protocol.md, section 6.1): the first rows of
# the order core/base/rng.h's Rng(1) shuffles 0..59999 into, as C++ computes them.
sys.dont_write_bytecode = True
sys.path[:0] = [python_dir, bindings_dir]
from fedgate_client import rng  # noqa: E402
assert rng.iid_share(60000, 3, 0)[:5] == [22844, 44117, 2986, 59544, 13897]
assert rng.iid_share(60000, 3, 1)[0] == 26708
assert mine["last_loss"] < mine["first_loss"], mine
