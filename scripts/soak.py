#!/usr/bin/env python3
"""Soak test: many jobs at once against the mock gateway, with a random mix of what real
gateways do, then a check that nothing paid for was lost. Its figures go in docs/benchmarks.md;
it is not part of the default test command (it takes a few minutes).

Every job is a `framecast-cli generate --json` process sharing one library (so the library's
concurrent writers are soaked too) and one output folder. Afterwards:
- every video URL a job announced is saved intact (the sample's exact bytes, its sidecar beside
  it) or recorded in the library with its error;
- no job saw a second POST (the mock's request log: one POST per job that was sent);
- no temporary file (`.part`, `.tmp`) is left, and `PRAGMA integrity_check` is `ok`;
- the clients' memory stayed flat (max RSS of the first and last jobs).

Usage: scripts/soak.py [--jobs 240] [--clients 12] [--seed 7]
"""

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELEASE = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "release"
CLI, MOCK = RELEASE / "framecast-cli", RELEASE / "framecast-mock"
SAMPLE = (ROOT / "crates/framecast-mock/fixtures/sample.mp4").read_bytes()

# scenario: weight. Every echo shape, drops, stalls, flaky and slow links, refusals.
MIX = {
    "success": 10, "partial": 4, "failure": 3, "error-frame": 2, "event-error": 1,
    "http-429": 1, "http-524": 1, "stall": 2, "drop": 3, "hang-up": 2, "bytewise": 1,
    "crlf-keepalive": 2, "json": 2, "reasoning": 2, "unnumbered": 2, "no-done": 2,
    "echo-one-line": 2, "echo-unclosed": 2, "echo-inline-close": 2, "echo-nested": 2,
    "echo-status-inside": 2, "echo-tilde": 2, "result-in-echo": 2, "sse-as-json": 1,
    "sse-as-text": 1, "json-as-sse": 1, "download-flaky": 3, "download-slow": 3,
    "download-5xx": 2, "download-expired": 2, "download-html": 1, "download-tiny": 1,
    "deliver-then-stall": 2,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_job(i: int, scenario: str, n: int, base: str, env: dict, out: Path) -> dict:
    cmd = [CLI, "generate", "--json", "--prompt", f"soak job {i} {scenario}", "-n", str(n),
           "--base-url", f"{base}/s/{scenario}", "--api-key", "sk-soak",
           "--idle-timeout", "3", "--timeout", "60", "--out", out]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.startswith("{")]
    return {"i": i, "scenario": scenario, "n": n, "lines": lines, "code": proc.returncode,
            "stderr": stderr.decode(errors="replace")[-400:],
            "seconds": time.perf_counter() - start, "rss": usage.ru_maxrss}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=240)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast-cli",
                    "-p", "framecast-mock"], cwd=ROOT, check=True)
    rng = random.Random(args.seed)
    names, weights = zip(*MIX.items())
    plan = [(i, rng.choices(names, weights)[0], rng.randint(1, 4)) for i in range(args.jobs)]

    port = free_port()
    mock = subprocess.Popen([MOCK, "--port", str(port), "--tick-ms", "15"],
                            stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    data, out = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
    env = {**os.environ, "FRAMECAST_DATA_DIR": str(data), "FRAMECAST_KEYCHAIN": "off",
           "FRAMECAST_LANG": "en"}
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda p: run_job(*p, base, env, out), plan))
        log = json.load(urllib.request.urlopen(f"{base}/__mock/requests"))
    finally:
        mock.terminate()
    wall = time.perf_counter() - started

    problems = []
    posts: dict[str, int] = {}
    for r in log:
        if r["method"] == "POST":
            prompt = json.dumps(r.get("body") or {})
            key = prompt.split("soak job ")[1].split(" ")[0] if "soak job " in prompt else "?"
            posts[key] = posts.get(key, 0) + 1
    for job, count in posts.items():
        if count > 1:
            problems.append(f"job {job}: {count} POSTs")

    conn = sqlite3.connect(data / "library.sqlite3")
    recorded = {url: (state, path, error) for url, state, path, error in
                conn.execute("SELECT url, state, path, error FROM videos")}
    announced = saved = failed = 0
    for r in results:
        for line in r["lines"]:
            if line.get("type") != "video":
                continue
            announced += 1
            url = line["url"]
            state, path, error = recorded.get(url, (None, None, None))
            if state == "saved":
                body = Path(path).read_bytes() if path and Path(path).exists() else b""
                if body != SAMPLE or not Path(path).with_suffix(".json").exists():
                    problems.append(f"job {r['i']}: {url} saved damaged or without its sidecar")
                saved += 1
            elif state in ("failed", "expired") and error:
                failed += 1
            else:
                problems.append(f"job {r['i']} ({r['scenario']}): {url} is {state}")
    leftovers = [p.name for p in out.iterdir() if p.name.endswith((".part", ".tmp"))]
    if leftovers:
        problems.append(f"temporary files left: {leftovers[:5]}")
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    jobs_recorded = conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    if jobs_recorded != args.jobs:
        problems.append(f"{jobs_recorded} jobs recorded of {args.jobs}")
        prompts = {row[0] for row in conn.execute("SELECT prompt FROM jobs")}
        for r in results:
            if f"soak job {r['i']} {r['scenario']}" not in prompts:
                problems.append(f"not recorded: job {r['i']} ({r['scenario']}), exit {r['code']}: "
                                f"{r['stderr'].strip()}")
    rss = [r["rss"] for r in results if r["rss"]]
    first, last = statistics.median(rss[:30]) / 1024, statistics.median(rss[-30:]) / 1024
    codes: dict[int, int] = {}
    for r in results:
        codes[r["code"]] = codes.get(r["code"], 0) + 1

    print(f"## Soak: {args.jobs} jobs, {args.clients} clients at once, seed {args.seed}\n")
    print(f"- wall time {wall:.0f} s; {len(posts)} jobs sent, at most "
          f"{max(posts.values(), default=0)} POST each")
    print(f"- {announced} videos announced: {saved} saved intact, {failed} recorded with "
          f"their error, {announced - saved - failed} lost")
    print(f"- exit codes: " + ", ".join(f"{c}: {k}" for c, k in sorted(codes.items())))
    print(f"- jobs in the library: {jobs_recorded}; integrity_check: {integrity}; "
          f"temporary files left: {len(leftovers)}")
    print(f"- client max RSS, median of the first 30 jobs {first:.1f} MiB, of the last 30 "
          f"{last:.1f} MiB ({last / first:.2f}×)")
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems[:50]))
        raise SystemExit(1)
    print("\nNothing lost, nothing sent twice.")


if __name__ == "__main__":
    main()
