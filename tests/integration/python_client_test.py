"""The Python client (python/fedgate_client/) in a mixed fleet: a real coordinator,
two native fedgate-client processes and one Python client, over loopback, with the
default model downlink (int8-delta). The accuracy must rise, the coordinator's
per-client table must show the Python client's updates applied without errors
(docs/protocol.md, section 6.2), and the Python client must have applied delta-coded
models and refused none (a decoder that disagreed with the coordinator by one bit would
fail every delta's CRC and train on dense models instead). No Hello is lost: the
coordinator counts every one the clients sent (the native clients' first is not lost
to ZMQ_IMMEDIATE, docs/protocol.md, section 10).

usage: python_client_test.py COORDINATOR CLIENT PYTHON_DIR BINDINGS_DIR DATA_DIR WORK_DIR
                             [DOWNLINK_CODEC]
DOWNLINK_CODEC (default: the coordinator's default) sets downlink.codec, to compare the
bytes each applied update costs the Python client. Exits 77 (skipped) when the dataset
is not installed.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import time

coordinator_bin, client_bin, python_dir, bindings_dir, data_dir, work = sys.argv[1:7]
downlink = sys.argv[7] if len(sys.argv) > 7 else None
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
     "--quiet", "--set", "run.eval_every=100", "--set", "server.heartbeat_ms=10000"]
    + (["--set", f"downlink.codec={downlink}"] if downlink else []),
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
# Every Update the Python client sent was applied, refused with an Error naming it
# (late under load, or sent while the coordinator had expired the client), or is the
# one it may have sent after the coordinator's last read.
assert mine["updates"] - mine["updates_refused"] - python_row["updates"] in (0, 1), \
    (python_row, mine)
assert python_row["offers"] == python_row["accepts"] + python_row["rejects"], python_row
# No Hello lost: re-registrations (a client the coordinator expired on a starved machine,
# a silence timeout) are fine, as long as the coordinator received each one.
assert len(native_summaries) == 2, native_summaries
sent_hellos = mine["registrations"] + sum(native["registrations"] for native in native_summaries)
assert summary["hellos"] == sent_hellos, (summary["hellos"], mine, native_summaries)
for native in native_summaries:
    assert native["updates"] > 0, native
# The downlink: after the first (dense) model, delta-coded models applied, none refused.
applied, refused = mine["chunks_applied"], mine["chunks_refused"]
codec = downlink or "int8-delta"
assert applied["dense"] >= 1 and not refused, mine
if codec != "dense":
    assert applied[codec] > applied["dense"], mine
per_update = python_row["bytes_down"] / python_row["updates"]
print(f"downlink {codec}: python-2 received {python_row['bytes_down']} bytes for "
      f"{python_row['updates']} applied updates, {per_update:.0f} bytes per applied update; "
      f"chunks applied {applied}")
assert mine["samples"] == 20000, mine

# The share is the native split's (docs/protocol.md, section 6.1): the first rows of
# the order core/base/rng.h's Rng(1) shuffles 0..59999 into, as C++ computes them.
sys.dont_write_bytecode = True
sys.path[:0] = [python_dir, bindings_dir]
from fedgate_client import rng  # noqa: E402
assert rng.iid_share(60000, 3, 0)[:5] == [22844, 44117, 2986, 59544, 13897]
assert rng.iid_share(60000, 3, 1)[0] == 26708
assert mine["last_loss"] < mine["first_loss"], mine
