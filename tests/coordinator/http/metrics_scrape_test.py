"""/metrics and /api/status of a real coordinator with real clients training.

Prometheus' own Python parser (python3-prometheus-client) reads /metrics; the
counters grow while training, /api/status agrees with /metrics, and the
per-client series are there with server.http_per_client.

usage: metrics_scrape_test.py COORDINATOR CLIENT WORK_DIR
Exits 77 (skipped) when the dataset or prometheus_client is missing.
"""
import json
import shutil
import subprocess
import sys
import time

from federation import Federation, skip

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    skip("python3-prometheus-client is not installed")

coordinator_bin, client_bin, work = sys.argv[1:4]


def scrape(federation):
    status, headers, body = federation.get("/metrics")
    assert status == 200, status
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
    samples = {}
    types = {}
    for family in text_string_to_metric_families(body):
        types[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return types, samples


federation = Federation(coordinator_bin, client_bin, work, seconds=40,
                        extra_args=("--set", "server.http_per_client=true"))
try:
    # Both clients registered and training: on a loaded machine one client can load
    # its data and register seconds after the other has moved the model on.
    deadline = time.time() + 30
    while True:
        types, first = scrape(federation)
        if (first[("fedgate_model_version", ())] >= 20
                and first[("fedgate_clients_active", ())] == 2):
            break
        assert time.time() < deadline, ("the model version did not reach 20 with both clients "
                                        "active: " + federation.log())
        time.sleep(0.3)
    time.sleep(1.5)
    types, second = scrape(federation)
    _, _, status_text = federation.get("/api/status")
    status = json.loads(status_text)
finally:
    exit_status = federation.stop()

print("families:", len(types), "samples:", len(second))
assert types["fedgate_offers"] == "counter", types  # the parser drops _total from the name
assert types["fedgate_update_staleness_versions"] == "histogram", types
assert types["fedgate_model_version"] == "gauge", types
for counter in ("fedgate_offers_total", "fedgate_updates_applied_total",
                "fedgate_received_bytes_total", "fedgate_sent_bytes_total"):
    assert second[(counter, ())] > first[(counter, ())], (counter, first[(counter, ())])
assert second[("fedgate_model_version", ())] > first[("fedgate_model_version", ())]
assert second[("fedgate_clients_active", ())] == 2, second[("fedgate_clients_active", ())]
assert 0 < second[("fedgate_test_accuracy_ratio", ())] <= 1
count = second[("fedgate_update_staleness_versions_count", ())]
assert second[("fedgate_update_staleness_versions_bucket", (("le", "+Inf"),))] == count
per_client = [key for key in second if key[0] == "fedgate_client_updates_applied_total"]
assert len(per_client) == 2, per_client
# /api/status came after the second scrape: it has at least those numbers.
assert status["version"] >= second[("fedgate_model_version", ())], status["version"]
assert status["counters"]["offers"] >= second[("fedgate_offers_total", ())]
assert len(status["clients"]) == 2 and len(status["evals"]) >= 1, status
assert status["config"]["server"]["http"] == "127.0.0.1:0", status["config"]["server"]
assert exit_status == 0, federation.log()

# A server.http that is not HOST:PORT is a configuration error naming the key.
bad = subprocess.run([coordinator_bin, "--bind", "tcp://127.0.0.1:*", "--http", "9464"],
                     capture_output=True, text=True, timeout=60)
assert bad.returncode == 2 and "server.http '9464'" in bad.stderr, (bad.returncode, bad.stderr)
shutil.rmtree(work, ignore_errors=True)
print("ok")
