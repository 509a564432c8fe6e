#!/usr/bin/env python3
"""Hostile gateways, whole-process figures for docs/benchmarks.md.

1. A gateway that sends 20,000 failure lines against one that sends 20,000 progress lines: wall
   time of `framecast-cli generate` recording into a library of its own, rounds alternating so
   the machine's load hits both alike. The bar is 3x; before the recorder bounded its writes it
   was about 57x (103 s against 1.8 s).
2. Peak memory (max RSS) of the CLI while a task's poll answer never ends, against an ordinary
   task job: the bar is 100 MB.

Usage: scripts/bench/flood.py [--rounds N]
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

from cli import CLI, KEY, ROOT, start_mock


def run(cmd: list, data: str) -> tuple[float, int, int]:
    """Runs cmd with its own library; returns wall seconds, max RSS in KiB and the exit code."""
    env = {**os.environ, "FRAMECAST_DATA_DIR": data, "FRAMECAST_KEYCHAIN": "off",
           "FRAMECAST_POLL_MS": "50"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def generate(base: str, scenario: str, *extra: str) -> list:
    return [CLI, "generate", "--json", "--prompt", "a flood", "-n", "2", "--no-download",
            "--base-url", f"{base}/s/{scenario}", "--api-key", KEY, *extra]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-cli",
                    "-p", "framecast-mock"], cwd=ROOT, check=True)
    mock, base = start_mock(tick_ms=20)
    try:
        with tempfile.TemporaryDirectory() as data:
            failures, progress = [], []
            for _ in range(args.rounds):
                for name, into in (("many-progress", progress), ("many-failures", failures)):
                    took, _, code = run(generate(base, name), data)
                    if code != 0:
                        raise SystemExit(f"{name} failed with exit code {code}")
                    into.append(took)
            p, f = statistics.median(progress), statistics.median(failures)
            print(f"## 20,000 lines from a gateway ({args.rounds} alternating rounds)\n")
            print("| stream | median | ratio |\n|---|---|---|")
            print(f"| 20,000 progress lines | {p * 1000:.0f} ms | 1.00× |")
            print(f"| 20,000 failure lines | {f * 1000:.0f} ms | **{f / p:.2f}×** |")
            print()

            rows = [
                ("an ordinary task job", generate(base, "task-url", "--route", "task")),
                ("a poll answer that never ends (20 s of it)",
                 generate(base, "task-endless-poll", "--route", "task", "--timeout", "20")),
            ]
            print("## Peak memory with a task route gateway (max RSS)\n")
            print("| run | max RSS |\n|---|---|")
            for name, cmd in rows:
                _, rss, _ = run(cmd, data)
                print(f"| {name} | {rss / 1024:.1f} MiB |")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
