#!/usr/bin/env python3
"""Batch runs, whole-process figures for docs/benchmarks.md.

`framecast-cli batch` on a file of 10, 100 and 1,000 prompts against the mock gateway with
instant jobs (tick 0), one row at a time, each run with a library of its own, beside a baseline
in the same round: a plain HTTP client (Python's http.client, one kept-alive connection) sending
the same requests one after another, reading each stream and downloading each video. What the
CLI adds per row is the difference divided by the rows: planning, recording the batch and each
row in SQLite, claiming it, naming and writing the video, the results files. Peak memory (max
RSS) of the 10-row and the 1,000-row runs says whether memory stays flat along a batch.

Usage: scripts/bench/batch.py [--rounds N]
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from cli import CLI, KEY, ROOT, start_mock

SIZES = (10, 100, 1000)
MODEL = "veo-3.1-fast"


def prompts(n: int) -> list[str]:
    return [f"the harbour at dawn, shot {i}" for i in range(1, n + 1)]


def batch(base: str, rows: int, work: Path) -> tuple[float, int]:
    """Runs `framecast-cli batch` on `rows` prompts; returns wall seconds and max RSS in KiB."""
    work.mkdir()
    file = work / "prompts.txt"
    file.write_text("\n".join(prompts(rows)) + "\n")
    env = {**os.environ, "FRAMECAST_DATA_DIR": str(work / "data"), "FRAMECAST_KEYCHAIN": "off"}
    cmd = [CLI, "batch", file, "--concurrency", "1", "--json", "--model", MODEL,
           "--out", work / "videos", "--base-url", f"{base}/s/success", "--api-key", KEY]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the batch of {rows} failed")
    videos = list((work / "videos").glob("*.mp4"))
    if len(videos) != rows:
        raise SystemExit(f"the batch of {rows} saved {len(videos)} videos")
    return took, usage.ru_maxrss


def baseline(base: str, rows: int, work: Path) -> float:
    """The same requests from a plain client: the gateway's own time for the rows."""
    work.mkdir()
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    start = time.perf_counter()
    for i, prompt in enumerate(prompts(rows)):
        body = json.dumps({"messages": [{"role": "user", "content": prompt}], "model": MODEL,
                           "stream": True, "n": 1})
        conn.request("POST", "/s/success/v1/chat/completions", body,
                     {"Authorization": KEY, "Content-Type": "application/json"})
        text = conn.getresponse().read().decode()
        link = next(w.rstrip(")\"'\\") for w in text.replace("(", " ").split()
                    if w.startswith("http") and ".mp4" in w)
        conn.request("GET", urlsplit(link).path)
        (work / f"{i}.mp4").write_bytes(conn.getresponse().read())
    took = time.perf_counter() - start
    conn.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-cli",
                    "-p", "framecast-mock"], cwd=ROOT, check=True)
    mock, base = start_mock(tick_ms=0)
    try:
        figures = {n: {"ours": [], "plain": [], "rss": []} for n in SIZES}
        with tempfile.TemporaryDirectory() as temp:
            for round_ in range(args.rounds):
                for n in SIZES:
                    took, rss = batch(base, n, Path(temp) / f"b{round_}-{n}")
                    figures[n]["ours"].append(took)
                    figures[n]["rss"].append(rss)
                    figures[n]["plain"].append(baseline(base, n, Path(temp) / f"p{round_}-{n}"))
        print(f"## framecast-cli batch, instant jobs, one row at a time ({args.rounds} rounds,"
              " medians)\n")
        print("| rows | plain client | framecast-cli batch | ratio | added per row | max RSS |")
        print("|---|---|---|---|---|---|")
        for n in SIZES:
            ours = statistics.median(figures[n]["ours"])
            plain = statistics.median(figures[n]["plain"])
            rss = statistics.median(figures[n]["rss"]) / 1024
            print(f"| {n} | {plain * 1000:.0f} ms | {ours * 1000:.0f} ms | {ours / plain:.2f}× |"
                  f" **{(ours - plain) / n * 1000:.2f} ms** | {rss:.1f} MiB |")
        small = statistics.median(figures[SIZES[0]]["rss"])
        large = statistics.median(figures[SIZES[-1]]["rss"])
        print(f"\nMax RSS, {SIZES[-1]} rows against {SIZES[0]}: **{large / small:.2f}×**")
    finally:
        mock.terminate()
        mock.wait()


if __name__ == "__main__":
    main()
