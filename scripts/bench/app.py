#!/usr/bin/env python3
"""Whole-process figures for the desktop app, reported in docs/benchmarks.md.

Framecast is measured side by side with an empty Tauri 2 window (scripts/bench/empty-window,
built with the same release profile) in the same run, under Xvfb:

1. Start-up: from asking WebKitWebDriver for a session (which launches the binary) until the page
   is interactive (Framecast: the Generate button is in the DOM and the first command answered;
   the empty window: its <main> exists). Runs alternate between the two apps.
2. Idle memory: proportional set size (PSS) summed over the app's process and all its
   descendants (WebKit's web and network processes), 6 s after launch.
3. The release binaries' sizes.

Usage: scripts/bench/app.py [--rounds N]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASE = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "release"
APP = RELEASE / "framecast"
MOCK = RELEASE / "framecast-mock"
EMPTY_DIR = ROOT / "scripts/bench/empty-window"
EMPTY = ROOT / "target/empty-window/release/empty-window"

READY = {
    APP: "return !!document.querySelector(\"[data-testid='generate']\")",
    EMPTY: "return !!document.getElementById('ready')",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def xvfb() -> tuple[subprocess.Popen, str]:
    for n in range(140, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists():
            proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                                    stderr=subprocess.DEVNULL)
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    return proc, f":{n}"
                time.sleep(0.05)
    raise SystemExit("could not start Xvfb")


def webdriver(port: int, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def startup(binary: Path, env: dict) -> float:
    """Seconds from launching through WebDriver until the page is interactive."""
    port = free_port()
    driver = subprocess.Popen(["WebKitWebDriver", f"--port={port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        caps = {"capabilities": {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": str(binary), "args": []}}}}
        start = time.perf_counter()
        session = webdriver(port, "POST", "/session", caps)["value"]["sessionId"]
        while True:
            try:
                done = webdriver(port, "POST", f"/session/{session}/execute/sync",
                                 {"script": READY[binary], "args": []})["value"]
            except Exception:  # the page may still be loading
                done = False
            if done:
                elapsed = time.perf_counter() - start
                break
            if time.perf_counter() - start > 30:
                raise SystemExit(f"{binary.name} did not become ready")
            time.sleep(0.01)
        webdriver(port, "DELETE", f"/session/{session}")
        return elapsed
    finally:
        driver.terminate()
        driver.wait()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def pss_mib(pid: int) -> float:
    total_kib = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
        except OSError:
            pass
    return total_kib / 1024


def idle_memory(binary: Path, env: dict) -> float:
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(6)
        return pss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["npm", "--prefix", "ui", "run", "build", "--silent"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "framecast",
                    "-p", "framecast-mock"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "--manifest-path",
                    EMPTY_DIR / "Cargo.toml"], cwd=ROOT, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": str(ROOT / "target/empty-window")})

    x, display = xvfb()
    mock_port = free_port()
    mock = subprocess.Popen([MOCK, "--port", str(mock_port)], stdout=subprocess.DEVNULL)
    wait_port(mock_port)
    env = {**os.environ, "DISPLAY": display, "GSETTINGS_BACKEND": "memory", "NO_AT_BRIDGE": "1",
           "TAURI_WEBVIEW_AUTOMATION": "true", "FRAMECAST_BASE_URL": f"http://127.0.0.1:{mock_port}",
           "FRAMECAST_API_KEY": "sk-bench", "FRAMECAST_VIDEOS_DIR": tempfile.mkdtemp(),
           "FRAMECAST_DATA_DIR": tempfile.mkdtemp()}
    try:
        starts = {APP: [], EMPTY: []}
        memory = {APP: [], EMPTY: []}
        startup(APP, env), startup(EMPTY, env)  # warm the page cache for both
        for _ in range(args.rounds):
            for binary in (EMPTY, APP):
                starts[binary].append(startup(binary, env))
        for _ in range(3):
            for binary in (EMPTY, APP):
                memory[binary].append(idle_memory(binary, env))
    finally:
        mock.terminate()
        x.terminate()

    s_app, s_empty = statistics.median(starts[APP]), statistics.median(starts[EMPTY])
    m_app, m_empty = statistics.median(memory[APP]), statistics.median(memory[EMPTY])
    size = lambda p: p.stat().st_size / (1 << 20)  # noqa: E731
    print(f"## Desktop app ({args.rounds} start-ups and 3 memory readings each, alternating)\n")
    print("| | empty Tauri 2 window | Framecast | ratio |\n|---|---|---|---|")
    print(f"| start-up to interactive (median) | {s_empty * 1000:.0f} ms | {s_app * 1000:.0f} ms "
          f"| {s_app / s_empty:.2f}× |")
    print(f"| idle PSS, all processes (median) | {m_empty:.1f} MiB | {m_app:.1f} MiB "
          f"| {m_app / m_empty:.2f}× |")
    print(f"| release binary | {size(EMPTY):.1f} MiB | {size(APP):.1f} MiB | {size(APP) / size(EMPTY):.2f}× |")
    print("\nstart-ups (ms): framecast " + ", ".join(f"{s * 1000:.0f}" for s in starts[APP])
          + "; empty " + ", ".join(f"{s * 1000:.0f}" for s in starts[EMPTY]))
    print("PSS (MiB): framecast " + ", ".join(f"{m:.1f}" for m in memory[APP])
          + "; empty " + ", ".join(f"{m:.1f}" for m in memory[EMPTY]))


if __name__ == "__main__":
    main()
