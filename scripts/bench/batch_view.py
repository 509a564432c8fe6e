#!/usr/bin/env python3
"""The app's Batch view, reported in docs/benchmarks.md.

1. First paint of a big queue: a library holding a finished batch of 1,000 rows (made by
   `framecast-cli batch` against the mock gateway with instant jobs) beside one holding a batch
   of 10, in the same run, rounds alternating. In the release app under Xvfb, through WebDriver,
   timed inside the page: from the click on Batch until the second animation frame after the
   first screen of rows is in the page has begun (it is painted), and the same for every row
   (a long queue goes into the page a slice a frame).
2. Memory over a run: 200 prompts pasted into the Batch view and started (two at a time against
   the mock, a job every few hundred milliseconds), the PSS of all the app's processes read
   after the first 20 jobs and again when all 200 are done.

Usage: scripts/bench/batch_view.py [--rounds N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import app as desktop  # noqa: E402  (the desktop app's helpers)

ROOT = desktop.ROOT
CLI = desktop.RELEASE / "framecast-cli"
# Rows a 1280×800 window shows at once in the queue.
SCREEN = 20

# Clicks Batch and resolves with the milliseconds until the first screen of rows is painted (the
# second animation frame after the first `screen` rows are in the page) and until all `want`
# rows are, the same way: a long queue goes into the page a slice a frame.
PAINT = """
const [want, screen, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const start = performance.now();
document.querySelector("[data-testid='nav-batch']").click();
const frame = () => new Promise(requestAnimationFrame);
const rows = () => document.querySelectorAll("[data-testid='batch-row']").length;
const painted = async (n) => {
  while (rows() < n) await frame();
  await frame();
  await frame();
  return performance.now() - start;
};
(async () => {
  const first = await painted(Math.min(want, screen));
  done({ first, all: await painted(want) });
})();
"""


def library_with_batch(rows: int, base: str) -> str:
    """A data directory holding one finished batch of `rows` prompts."""
    data = tempfile.mkdtemp()
    work = Path(tempfile.mkdtemp())
    file = work / "shots.txt"
    file.write_text("".join(f"the harbour at dawn, shot {i}\n" for i in range(1, rows + 1)))
    env = {**os.environ, "FRAMECAST_DATA_DIR": data, "FRAMECAST_KEYCHAIN": "off"}
    subprocess.run([CLI, "batch", file, "--concurrency", "4", "--json", "--out", work / "videos",
                    "--base-url", base, "--api-key", "sk-bench"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return data


class Session:
    """The release app launched through WebKitWebDriver."""

    def __init__(self, env: dict):
        self.port = desktop.free_port()
        self.driver = subprocess.Popen(["WebKitWebDriver", f"--port={self.port}"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        desktop.wait_port(self.port)
        caps = {"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": str(desktop.APP), "args": []}}}}
        self.id = desktop.webdriver(self.port, "POST", "/session", caps)["value"]["sessionId"]
        self.until("return !!document.querySelector(\"[data-testid='generate']\")", 30)

    def js(self, script: str, *args):
        return desktop.webdriver(self.port, "POST", f"/session/{self.id}/execute/sync",
                                 {"script": script, "args": list(args)})["value"]

    def js_async(self, script: str, *args):
        return desktop.webdriver(self.port, "POST", f"/session/{self.id}/execute/async",
                                 {"script": script, "args": list(args)})["value"]

    def until(self, script: str, secs: float):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            try:
                if self.js(script):
                    return
            except Exception:  # the page may still be loading
                pass
            time.sleep(0.05)
        raise SystemExit(f"timed out: {script}")

    def app_pid(self) -> int:
        for pid in desktop.descendants(self.driver.pid):
            try:
                if Path(f"/proc/{pid}/exe").resolve() == desktop.APP.resolve():
                    return pid
            except OSError:
                pass
        raise SystemExit("the app's process was not found")

    def close(self):
        try:
            desktop.webdriver(self.port, "DELETE", f"/session/{self.id}")
        finally:
            self.driver.terminate()
            self.driver.wait()


def first_paint(env: dict, data: str, rows: int) -> dict:
    session = Session({**env, "FRAMECAST_DATA_DIR": data})
    try:
        time.sleep(1.5)  # the window settles after launch
        return session.js_async(PAINT, rows, SCREEN)
    finally:
        session.close()


def memory_over_a_run(env: dict, jobs: int) -> tuple[float, float]:
    session = Session({**env, "FRAMECAST_DATA_DIR": tempfile.mkdtemp()})
    try:
        session.js("document.querySelector(\"[data-testid='nav-batch']\").click()")
        session.until("return !!document.querySelector(\"[data-testid='batch-paste']\")", 10)
        prompts = "\n".join(f"a lantern over the harbour, take {i}" for i in range(1, jobs + 1))
        session.js("""const t = document.querySelector("[data-testid='batch-paste']");
                      t.value = arguments[0]; t.dispatchEvent(new Event('input'));""", prompts)
        session.js("document.querySelector(\"[data-testid='batch-plan']\").click()")
        session.until("return !!document.querySelector(\"[data-testid='batch-start']\")", 30)
        session.js("document.querySelector(\"[data-testid='batch-start']\").click()")
        done = f"return [...document.querySelectorAll(\"[data-testid='batch-row']\")]" \
               ".filter(r => r.dataset.state === 'done').length"
        session.until(f"{done} >= 20", 300)
        time.sleep(2)
        early = desktop.pss_mib(session.app_pid())
        # Until the batch has ended (a row that fails ends too), not until every row is done.
        session.until("const h = document.querySelector(\"[data-testid='batch-head']\");"
                      " return h && h.dataset.state === 'done'", 1800)
        time.sleep(2)
        late = desktop.pss_mib(session.app_pid())
        return early, late
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    subprocess.run(["npm", "--prefix", "ui", "run", "build", "--silent"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast", "-p",
                    "framecast-cli", "-p", "framecast-mock"], cwd=ROOT, check=True)
    x, display = desktop.xvfb()
    port = desktop.free_port()
    mock = subprocess.Popen([desktop.MOCK, "--port", str(port), "--tick-ms", "0"],
                            stdout=subprocess.DEVNULL)
    desktop.wait_port(port)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DISPLAY": display, "GSETTINGS_BACKEND": "memory", "NO_AT_BRIDGE": "1",
           "TAURI_WEBVIEW_AUTOMATION": "true", "FRAMECAST_BASE_URL": base,
           "FRAMECAST_API_KEY": "sk-bench", "FRAMECAST_KEYCHAIN": "off",
           "FRAMECAST_VIDEOS_DIR": tempfile.mkdtemp(), "FRAMECAST_LANG": "en"}
    try:
        small, big = library_with_batch(10, base), library_with_batch(args.rows, base)
        paints = {10: [], args.rows: []}
        for _ in range(args.rounds):
            for rows, data in ((10, small), (args.rows, big)):
                paints[rows].append(first_paint(env, data, rows))
        early, late = memory_over_a_run(env, args.jobs)
    finally:
        mock.terminate()
        x.terminate()

    def median(rows: int, key: str) -> float:
        return statistics.median(p[key] for p in paints[rows])

    a, b, c = median(10, "first"), median(args.rows, "first"), median(args.rows, "all")
    print(f"## The Batch view ({args.rounds} rounds, alternating, medians)\n")
    print("| click on Batch to … painted | time | ratio |\n|---|---|---|")
    print(f"| a batch of 10 rows: all of them | {a:.0f} ms | 1.00× |")
    print(f"| a batch of {args.rows:,} rows: the first screen ({SCREEN} rows) | {b:.0f} ms "
          f"| **{b / a:.2f}×** |")
    print(f"| a batch of {args.rows:,} rows: every row in the page | {c:.0f} ms | {c / a:.2f}× |")
    print(f"\n| {args.jobs} jobs run from the Batch view | PSS, all processes | ratio |")
    print("|---|---|---|")
    print(f"| after 20 jobs | {early:.1f} MiB | 1.00× |")
    print(f"| after {args.jobs} jobs | {late:.1f} MiB | **{late / early:.2f}×** |")
    print("\npaints (ms), first screen / all: 10 rows "
          + ", ".join(f"{p['first']:.0f}" for p in paints[10]) + f"; {args.rows} rows "
          + ", ".join(f"{p['first']:.0f}/{p['all']:.0f}" for p in paints[args.rows]))

if __name__ == "__main__":
    main()
