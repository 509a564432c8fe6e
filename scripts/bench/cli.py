#!/usr/bin/env python3
"""Whole-process figures for the CLI, reported in docs/benchmarks.md.

1. Wall time of `framecast-cli generate` against the mock gateway on loopback, side by side with
   curl sending the same request and reading the same stream (runs alternate, so the machine's
   load hits both alike). The ratio is the number to trust.
2. Peak memory (max RSS) of the CLI: a normal stream against a 25 MB one, and a 150 KB video
   against a 256 MB one. Flat means the CLI streams, never buffers.

Usage: scripts/bench/cli.py [--rounds N]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASE = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "release"
CLI = RELEASE / "framecast-cli"
MOCK = RELEASE / "framecast-mock"
KEY = "sk-bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mock(tick_ms: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [MOCK, "--port", str(port), "--tick-ms", str(tick_ms)], stdout=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the mock gateway did not start")


def timed(cmd: list) -> tuple[float, int]:
    """Runs cmd; returns wall seconds and max RSS in KiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return elapsed, usage.ru_maxrss


def cli(base: str, scenario: str, out: str | None) -> list:
    cmd = [CLI, "generate", "--json", "--prompt", "a pig flying in the sky", "-n", "1",
           "--base-url", f"{base}/s/{scenario}", "--api-key", KEY]
    return cmd + (["--out", out] if out else ["--no-download"])


def curl(base: str, scenario: str) -> list:
    body = json.dumps({"messages": [{"role": "user", "content": "a pig flying in the sky"}],
                       "model": "veo-3.1-fast", "stream": True, "n": 1})
    return ["curl", "-sS", "-N", "-o", "/dev/null", "-X", "POST",
            f"{base}/s/{scenario}/v1/chat/completions", "-H", f"Authorization: {KEY}",
            "-H", "Content-Type: application/json", "--data-binary", body]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-cli",
                    "-p", "framecast-mock"], cwd=ROOT, check=True)
    mock, base = start_mock(tick_ms=20)
    try:
        for _ in range(3):  # warm caches
            timed(cli(base, "success", None))
            timed(curl(base, "success"))
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(timed(cli(base, "success", None))[0])
            theirs.append(timed(curl(base, "success"))[0])
        long_ours, long_theirs = [], []
        for _ in range(max(3, args.rounds // 6)):
            long_ours.append(timed(cli(base, "long-stream", None))[0])
            long_theirs.append(timed(curl(base, "long-stream"))[0])
        print(f"## CLI against curl (alternating rounds, mock tick 20 ms)\n")
        print("| stream | curl (median) | framecast-cli --json --no-download (median) | ratio |")
        print("|---|---|---|---|")
        for name, a, b, n in [("the document's, about 3 KB", ours, theirs, args.rounds),
                              ("100 000 progress chunks, about 25 MB", long_ours, long_theirs, len(long_ours))]:
            a, b = statistics.median(a), statistics.median(b)
            print(f"| {name} ({n} rounds) | {b * 1000:.1f} ms | {a * 1000:.1f} ms | **{a / b:.3f}×** |")
        print()

        with tempfile.TemporaryDirectory() as out:
            rows = [
                ("stream: the document's (about 3 KB)", cli(base, "success", None)),
                ("stream: 100 000 progress chunks (about 25 MB)", cli(base, "long-stream", None)),
                ("download: the 150 KB sample", cli(base, "success", out)),
                ("download: a 256 MB video", cli(base, "big-video", out)),
            ]
            print("## CLI peak memory (max RSS)\n")
            print("| run | max RSS |\n|---|---|")
            for name, cmd in rows:
                _, rss = timed(cmd)
                print(f"| {name} | {rss / 1024:.1f} MiB |")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
