"""Benchmark: a real ``streamlit run`` server on loopback, 10 browser sessions, its memory.

The server is started as ``make run`` starts it (headless, localhost), pointed at the
bench database. One headless Chromium (Debian's, never a downloaded one) opens 10 tabs;
each is its own Streamlit session (own websocket), signs in as a demo user and opens a
different page. The server's resident memory is read from ``/proc/<pid>/status``
(VmRSS now, VmHWM the peak) once every session is idle.

Also measured on the way: the first page after server start (spawn -> health, and
spawn -> the first signed-in page idle in the browser).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, Record, log

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# (path with query, demo role: its sign-in button has the key demo_<role>)
SESSIONS = (
    ("overview", "leader"),
    ("unit?unit=HN.P.HOANKIEM", "leader"),
    ("satisfaction", "leader"),
    ("warnings", "inspector"),
    ("grades", "leader"),
    ("present", "presenter"),
    ("admin", "admin"),
    ("overview", "unit_head"),
    ("satisfaction?unit=HN.P.HOANKIEM", "leader"),
    ("official", "inspector"),
)


def chromium_path() -> str | None:
    for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if p and Path(p).exists():
            return p
    return None


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of ``pid`` in kB (children included: Streamlit runs in one process)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(rest.split()[0])
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_idle(page, timeout: float = 120_000) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _sign_in(page, role: str) -> None:
    button = page.locator(f".st-key-demo_{role} button").first
    try:
        button.click(timeout=30_000)
    except Exception:  # noqa: BLE001 - e.g. a re-render keeps it "not stable": click it directly
        button.dispatch_event("click")
    page.wait_for_timeout(200)
    _wait_idle(page)


def bench_memory(url: str, engine_name: str, scale: int, sessions: int = 10) -> list[Record]:
    """Memory of the server with ``sessions`` browser sessions, and the first page after start."""
    chromium = chromium_path()
    if chromium is None:
        return [
            Record(engine_name, scale, "memory_mb", f"{sessions}_sessions", note="Chromium not installed: not measured")
        ]
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("THUOCDO_ENV", None)
    logfile = open(ROOT / "data" / "bench" / f"streamlit-{engine_name}-{scale}.log", "w")  # noqa: SIM115
    t_spawn = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.address", "localhost",
            "--server.port", str(port), "--browser.gatherUsageStats", "false",
        ],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://localhost:{port}"
    records: list[Record] = []
    try:
        deadline = time.time() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {logfile.name}")
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("streamlit did not become healthy in 180 s") from None
                time.sleep(0.1)
        health_ms = (time.perf_counter() - t_spawn) * 1000
        idle_rss = proc_status(proc.pid)["VmRSS"]
        errors: list[str] = []
        per_session_ms: list[float] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                tabs = []
                for i in range(sessions):
                    path, label = SESSIONS[i % len(SESSIONS)]
                    # A context per session: own cookies and own websocket, as separate users.
                    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
                    page = ctx.new_page()
                    page.set_default_timeout(120_000)
                    t0 = time.perf_counter()
                    try:
                        page.goto(f"{base}/{path}")
                        _wait_idle(page)
                        if i == 0:
                            first_signin_ms = (time.perf_counter() - t_spawn) * 1000
                        _sign_in(page, label)
                        if page.locator('[data-testid="stException"]').count():
                            errors.append(f"{path}: exception shown")
                    except Exception as exc:  # noqa: BLE001 - a session that fails is counted
                        errors.append(f"{path}: {exc!r}"[:300])
                    ms = (time.perf_counter() - t0) * 1000
                    per_session_ms.append(ms)
                    if i == 0:
                        first_page_ms = (time.perf_counter() - t_spawn) * 1000
                        first_page_view_ms = ms
                    tabs.append((ctx, page))
                time.sleep(2)  # let the last reruns settle before reading memory
                status = proc_status(proc.pid)
                for ctx, _page in tabs:
                    ctx.close()
            finally:
                browser.close()
        mb = status["VmRSS"] / 1024
        log(
            f"{engine_name} {scale:,}: memory with {sessions} sessions {mb:.0f} MB (peak {status['VmHWM'] / 1024:.0f} MB, "
            f"idle {idle_rss / 1024:.0f} MB); first page after start {first_page_ms:.0f} ms; errors {len(errors)}"
        )
        records.append(
            Record(
                engine_name, scale, "memory_mb", f"{sessions}_sessions", value=round(mb, 1), runs=1,
                extra={"vmhwm_mb": round(status["VmHWM"] / 1024, 1), "idle_mb": round(idle_rss / 1024, 1),
                       "errors": len(errors), "session_open_ms": [round(x) for x in per_session_ms]},
                note="; ".join(errors)[:500] or None,
            )
        )  # fmt: skip
        records.append(
            Record(
                engine_name, scale, "first_page", "spawn_to_first_signed_in_page", value=round(first_page_ms, 1),
                median_ms=round(first_page_ms, 1), p95_ms=round(first_page_ms, 1), runs=1,
                extra={"spawn_to_health_ms": round(health_ms), "spawn_to_sign_in_page_ms": round(first_signin_ms),
                       "first_page_view_in_browser_ms": round(first_page_view_ms)},
            )
        )  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        logfile.close()
    return records
