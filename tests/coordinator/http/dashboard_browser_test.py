"""The dashboard in headless Chromium against a real coordinator and real clients.

Chromium is driven over the DevTools protocol (python3-websocket): the page
loads without console errors or uncaught exceptions, shows the current model
version, and the version it shows increases while the clients train; the
charts and the client table fill. A screenshot goes to SCREENSHOT (a CI
artifact in the build tree).

usage: dashboard_browser_test.py COORDINATOR CLIENT WORK_DIR SCREENSHOT
Exits 77 (skipped) when chromium, python3-websocket or the dataset is missing.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from federation import Federation, skip, wait_for_file

try:
    import websocket
except ImportError:
    skip("python3-websocket is not installed")

coordinator_bin, client_bin, work, screenshot = sys.argv[1:5]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    skip("chromium is not installed")


class DevTools:
    """One page target of a headless Chromium; collects console errors."""

    def __init__(self, profile):
        self.browser = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--remote-debugging-port=0", "--remote-allow-origins=*",
             "--user-data-dir=" + profile, "--window-size=1400,1300", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(profile + ".stderr", "w"),
            start_new_session=True)  # its own process group: close() ends every helper
        active = os.path.join(profile, "DevToolsActivePort")
        port = wait_for_file(active, self.browser, "DevToolsActivePort", 30).splitlines()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                                  suppress_origin=True)
        self.next_id = 0
        self.errors = []
        self.loaded = False
        for domain in ("Runtime", "Log", "Page"):
            self.call(domain + ".enable")

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append("console: " + json.dumps(params["args"])[:500])
        elif method == "Runtime.exceptionThrown":
            self.errors.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append("log: " + params["entry"].get("text", "")[:500])
        elif method == "Page.loadEventFired":
            self.loaded = True

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, (method, message)
                return message.get("result", {})
            self._event(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, (expression, result)
        return result["result"].get("value")

    def close(self):
        self.socket.close()
        os.killpg(self.browser.pid, signal.SIGTERM)
        self.browser.wait(timeout=10)


def shown_version(devtools):
    text = devtools.evaluate("document.getElementById('version').textContent")
    return int(text) if text and text.isdigit() else None


def wait_until(what, predicate, timeout_s):
    deadline = time.time() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.25)


federation = Federation(coordinator_bin, client_bin, work, seconds=45)
devtools = None
try:
    devtools = DevTools(os.path.join(work, "chromium-profile"))
    devtools.call("Page.navigate", url=federation.url)
    wait_until("the load event", lambda: devtools.call("Runtime.evaluate", expression="1") and
               devtools.loaded, 20)
    first = wait_until("a version above 0", lambda: shown_version(devtools), 20)
    later = wait_until(f"the shown version to pass {first}",
                       lambda: (shown_version(devtools) or 0) > first and shown_version(devtools),
                       20)
    _, _, status_text = federation.get("/api/status")
    served = json.loads(status_text)["version"]
    state = devtools.evaluate("document.getElementById('state').textContent")
    points = wait_until("accuracy points on the chart", lambda: devtools.evaluate(
        "Chart.getChart('by-version').data.datasets[0].data.length"), 15)
    rows = wait_until("both clients in the table", lambda: devtools.evaluate(
        "document.querySelectorAll('#client-table tbody tr').length") == 2 and 2, 20)
    config_rows = devtools.evaluate("document.querySelectorAll('#config div').length")
    # A click on a column's title sorts the table by it.
    devtools.evaluate("document.querySelector('#client-table th[data-key=applied]').click()")
    sorted_class = devtools.evaluate(
        "document.querySelector('#client-table th[data-key=applied]').className")
    applied = devtools.evaluate("[...document.querySelectorAll('#client-table tbody tr')]"
                                ".map(tr => Number(tr.children[7].textContent))")
    time.sleep(1.2)  # one more poll, so the screenshot shows the latest numbers
    # The whole page, not only the window.
    height = devtools.evaluate("document.documentElement.scrollHeight")
    devtools.call("Emulation.setDeviceMetricsOverride", width=1400, height=height,
                  deviceScaleFactor=1, mobile=False)
    shot = devtools.call("Page.captureScreenshot", format="png")
    os.makedirs(os.path.dirname(screenshot), exist_ok=True)
    with open(screenshot, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    errors = list(devtools.errors)
finally:
    if devtools is not None:
        devtools.close()
    exit_status = federation.stop()

print(f"shown version {first} then {later} (served {served}); state '{state}'; "
      f"{points} evaluation points, {rows} client rows, {config_rows} config rows")
print("screenshot:", screenshot, os.path.getsize(screenshot), "bytes")
assert not errors, "console errors:\n" + "\n".join(errors)
assert later > first >= 1, (first, later)
assert served >= later, (served, later)
assert state == "running", state
assert rows == 2, rows
assert config_rows > 20, config_rows
assert sorted_class == "sorted up", sorted_class
assert applied == sorted(applied), applied
assert exit_status == 0, federation.log()
shutil.rmtree(work, ignore_errors=True)
print("ok")
