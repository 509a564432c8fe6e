#!/usr/bin/env python3
"""The Storyboard view's first paint, reported in docs/benchmarks.md.

Two libraries made in the same run by the library crate's `fill` and `storyboard` examples, the
same 60 jobs in each (every video a hard link to the mock's sample, every poster stored): one
whose storyboard has 50 shots, each with its chosen take (each after the first continuing from
the one before), and one whose storyboard is empty, the baseline. The release app under Xvfb,
driven through WebKitWebDriver; inside the page, with performance.now(), from the click on
Storyboard until the next animation frame after the strip holds every card (or, empty, its
"Add shot" card). Runs alternate between the two libraries; a fresh window each time, once the
Generate view has settled.

Usage: scripts/bench/storyboard.py [--rounds N] [--shots N]
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
import app as desktop  # noqa: E402  (the desktop app's start-up helpers)
from library import Window  # noqa: E402  (the app driven through WebDriver)

ROOT = desktop.ROOT
RELEASE = desktop.RELEASE
FILL = RELEASE / "examples" / "fill"
STORYBOARD = RELEASE / "examples" / "storyboard"
SAMPLE = ROOT / "crates/framecast-mock/fixtures/sample.mp4"
JOBS = 60

# The click on Storyboard, until the frame after the strip holds `arguments[0]` cards and the
# "Add shot" card (all of them rendered, posters asked for) has been painted.
OPEN = """
const [cards, done] = arguments;
const start = performance.now();
const ready = () =>
  document.querySelectorAll("[data-testid='shot-card']").length === cards &&
  document.querySelector("[data-testid='shot-add']");
const tick = () => requestAnimationFrame(() => {
  if (ready()) requestAnimationFrame(() => done(performance.now() - start));
  else if (performance.now() - start > 20000) done(-1);
  else tick();
});
tick();
document.querySelector("[data-testid='nav-storyboard']").click();
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--shots", type=int, default=50)
    args = parser.parse_args()
    subprocess.run(["npm", "--prefix", "ui", "run", "build", "--silent"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast"], cwd=ROOT,
                   check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-library",
                    "--example", "fill", "--example", "storyboard"], cwd=ROOT, check=True)
    libraries = {}
    for name, shots in (("empty", 0), ("full", args.shots)):
        data = tempfile.mkdtemp()
        subprocess.run([FILL, data, str(max(JOBS, args.shots)), SAMPLE], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([STORYBOARD, data, str(shots)], check=True, stdout=subprocess.DEVNULL)
        libraries[name] = (data, shots)

    x, display = desktop.xvfb()
    env = {**os.environ, "DISPLAY": display, "GSETTINGS_BACKEND": "memory", "NO_AT_BRIDGE": "1",
           "TAURI_WEBVIEW_AUTOMATION": "true", "FRAMECAST_BASE_URL": "http://127.0.0.1:9",
           "FRAMECAST_API_KEY": "sk-bench", "FRAMECAST_VIDEOS_DIR": tempfile.mkdtemp(),
           "FRAMECAST_KEYCHAIN": "off"}
    desktop.READY[desktop.APP] = "return !!document.querySelector(\"[data-testid='job-card']\")"
    painted = {name: [] for name in libraries}
    try:
        for _ in range(args.rounds):
            for name, (data, shots) in libraries.items():
                w = Window({**env, "FRAMECAST_DATA_DIR": data})
                try:
                    time.sleep(2)  # the Generate view's cards and posters load
                    ms = w.run(OPEN, shots, sync=False)
                    if ms < 0:
                        raise SystemExit(f"the {name} storyboard was not painted")
                    painted[name].append(ms)
                finally:
                    w.close()
    finally:
        x.terminate()
    empty, full = (statistics.median(painted[k]) for k in ("empty", "full"))
    print(f"## Storyboard view ({args.rounds} runs each, medians)\n")
    print("| click on Storyboard to the strip painted | time | ratio |\n|---|---|---|")
    print(f"| empty storyboard (baseline) | {empty:.0f} ms | 1.00× |")
    print(f"| {args.shots} shots, each with its chosen take | {full:.0f} ms | {full / empty:.2f}× |")
    print("\neach run (ms): empty " + ", ".join(f"{v:.0f}" for v in painted["empty"])
          + f"; {args.shots} shots " + ", ".join(f"{v:.0f}" for v in painted["full"]))


if __name__ == "__main__":
    main()
