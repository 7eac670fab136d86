"""The numpy loader of docs/run-directory.md against a model a real run wrote.

A short federation (one coordinator with --run-dir, two clients, over loopback)
trains softmax regression on Fashion-MNIST; then the doc's first python block,
taken from the markdown itself so the doc and this test cannot drift, loads
DIR/model.safetensors, and numpy's test accuracy must match what the
coordinator measured.

usage: numpy_loader_test.py COORDINATOR CLIENT DOC DATA_DIR WORK_DIR
Exits 77 (skipped) when the dataset is not installed.
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

coordinator_bin, client_bin, doc, data_dir, work = sys.argv[1:6]
images_path = os.path.join(data_dir, "t10k-images-idx3-ubyte.gz")
if not os.path.exists(images_path):
    print("SKIP: dataset-fashion-mnist is not installed")
    sys.exit(77)

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
run_dir = os.path.join(work, "run")
endpoint_file = os.path.join(work, "endpoint")

coordinator = subprocess.Popen(
    [coordinator_bin, "--run-dir", run_dir, "--bind", "tcp://127.0.0.1:*",
     "--endpoint-file", endpoint_file, "--max-versions", "400", "--quiet",
     "--set", "run.eval_every=100"],
    stdout=subprocess.DEVNULL)
deadline = time.time() + 60
while not (os.path.exists(endpoint_file) and os.path.getsize(endpoint_file) > 0):
    assert coordinator.poll() is None, "coordinator exited at start-up"
    assert time.time() < deadline, "coordinator wrote no endpoint"
    time.sleep(0.1)
endpoint = open(endpoint_file).read().strip()
clients = [subprocess.Popen([client_bin, "--connect", endpoint, "--clients", "2", "--index",
                             str(i), "--data-dir", data_dir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
           for i in range(2)]
assert coordinator.wait(timeout=240) == 0, "coordinator failed"
for client in clients:
    client.wait(timeout=60)

# The doc's loader, exactly as written there.
text = open(doc).read()
block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
namespace = {}
exec(block, namespace)
model, metadata = namespace["load_model"](os.path.join(run_dir, "model.safetensors"))

with gzip.open(images_path) as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784) / 255.0
with gzip.open(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)

summary = [json.loads(line) for line in open(os.path.join(run_dir, "metrics.jsonl"))][-1]
assert summary["event"] == "summary", summary
measured = summary["accuracy"]
assert metadata["model_kind"] == "softmax", metadata
assert int(metadata["version"]) == summary["version"], (metadata, summary)
assert float(metadata["accuracy"]) == measured, (metadata, measured)

predicted = (images @ model["W"].T + model["b"]).argmax(axis=1)
whole = float((predicted == labels).mean())
few = float((predicted[:500] == labels[:500]).mean())
print(f"coordinator accuracy {measured:.4f}; numpy on all {len(labels)}: {whole:.4f}, "
      f"on the first 500: {few:.4f}")
# Same model, same data: only float summation order differs.
assert abs(whole - measured) < 0.002, (whole, measured)
assert abs(few - measured) < 0.06, (few, measured)
assert measured > 0.5, "the short run did not learn"
for name in ("config.toml", "coordinator.log", "model-best.safetensors"):
    assert os.path.getsize(os.path.join(run_dir, name)) > 0, name
shutil.rmtree(work, ignore_errors=True)
