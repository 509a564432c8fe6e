#!/usr/bin/env python3
"""Joining takes: `framecast-cli assemble` against `ffmpeg -f concat -c copy`, reported in
docs/benchmarks.md.

1. Wall time to join eight 8-second 720p 24 fps takes with sound (H.264 High + AAC, like Veo's),
   release build against ffmpeg's concat demuxer copying the same files, in alternating rounds
   (each round runs both, the order swapped every round) so the machine's load hits both alike.
   The ratio of the medians is the number to trust.
2. Peak memory (max RSS, from /usr/bin/time -v) for the eight takes and for 64: flat means the
   join streams the media and holds only the sample tables.

The takes are made once with ffmpeg into target/bench-assemble/ and reused.

Usage: scripts/bench/assemble.py [--rounds N]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
CLI = TARGET / "release" / "framecast-cli"
TAKES = TARGET / "bench-assemble"
PATTERNS = ["testsrc2", "testsrc", "smptehdbars", "rgbtestsrc", "yuvtestsrc", "pal100bars",
            "smptebars", "smptehdbars"]


def take(i: int) -> Path:
    """Take number i (from 0): 8 s of 1280×720 at 24 fps with a tone, all with one encoder setup,
    grainy enough that the encoder spends its 3 Mb/s as it would on real footage."""
    path = TAKES / f"take-{i:02}.mp4"
    if path.exists():
        return path
    TAKES.mkdir(parents=True, exist_ok=True)
    pattern = PATTERNS[i % len(PATTERNS)]
    hue = (i // len(PATTERNS)) * 40
    tmp = path.with_suffix(".tmp.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"{pattern}=size=1280x720:rate=24",
         "-f", "lavfi", "-i", f"sine=frequency={220 + 20 * i}:sample_rate=48000",
         "-t", "8", "-vf", f"hue=h={hue},noise=alls=12:allf=t+u",
         "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "24",
         "-preset", "superfast", "-b:v", "3M",
         "-c:a", "aac", "-ac", "2", "-b:a", "128k", "-shortest", str(tmp)],
        check=True)
    tmp.rename(path)
    return path


def ours(takes: list, out: Path) -> list:
    return [CLI, "assemble", *map(str, takes), "--out", str(out)]


def theirs(takes: list, out: Path, work: Path) -> list:
    listing = work / "list.txt"
    listing.write_text("".join(f"file '{t}'\n" for t in takes))
    return ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
            "-c", "copy", str(out)]


def timed(cmd: list, out: Path) -> float:
    if out.exists():
        out.unlink()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_kib(cmd: list, out: Path) -> int:
    """Max RSS in KiB, as /usr/bin/time -v reports it."""
    if out.exists():
        out.unlink()
    run = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    if not found:
        raise SystemExit(f"no peak memory in: {run.stderr}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    for tool in ["ffmpeg", "/usr/bin/time"]:
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install ffmpeg time")
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-cli"],
                   cwd=ROOT, check=True)
    eight = [take(i) for i in range(8)]
    many = [take(i) for i in range(64)]
    size8 = sum(t.stat().st_size for t in eight)
    size64 = sum(t.stat().st_size for t in many)

    with tempfile.TemporaryDirectory(dir=TARGET) as work:
        work = Path(work)
        out_ours, out_theirs = work / "ours.mp4", work / "theirs.mp4"
        cmd_ours, cmd_theirs = ours(eight, out_ours), theirs(eight, out_theirs, work)
        for _ in range(2):  # the takes into the page cache, both tools warmed
            timed(cmd_ours, out_ours)
            timed(cmd_theirs, out_theirs)
        a, b = [], []
        for r in range(args.rounds):
            if r % 2 == 0:
                a.append(timed(cmd_ours, out_ours))
                b.append(timed(cmd_theirs, out_theirs))
            else:
                b.append(timed(cmd_theirs, out_theirs))
                a.append(timed(cmd_ours, out_ours))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"## Joining eight 8 s 720p takes ({size8 / 1048576:.1f} MiB), "
              f"{args.rounds} alternating rounds\n")
        print("| | ffmpeg -f concat -c copy (median) | framecast-cli assemble (median) | ratio |")
        print("|---|---|---|---|")
        print(f"| wall time | {mb * 1000:.1f} ms | {ma * 1000:.1f} ms | **{ma / mb:.2f}×** |")
        print(f"\nframecast-cli: min {min(a) * 1000:.1f} ms, max {max(a) * 1000:.1f} ms; "
              f"ffmpeg: min {min(b) * 1000:.1f} ms, max {max(b) * 1000:.1f} ms\n")

        print("## Peak memory (max RSS)\n")
        print("| takes | total size | framecast-cli assemble | ffmpeg -f concat -c copy |")
        print("|---|---|---|---|")
        for label, takes, size in [("8", eight, size8), ("64", many, size64)]:
            mine = peak_kib(ours(takes, out_ours), out_ours)
            other = peak_kib(theirs(takes, out_theirs, work), out_theirs)
            print(f"| {label} | {size / 1048576:.1f} MiB | {mine / 1024:.1f} MiB | "
                  f"{other / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
