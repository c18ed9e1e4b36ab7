"""Soak: concurrent sessions against a running Streamlit server on loopback, bounded.

Each session speaks Streamlit's own websocket protocol (what the browser does): it
opens /_stcore/stream, signs in as a demo user by pressing the demo button, then walks
the pages (overview, unit, satisfaction, warnings, official, grades) with URL
parameters until the time is up. Recorded: script runs, errors (an exception element,
a failed run, a dropped socket, a timeout), latency of each run (p50/p95/max) and the
server's resident memory (VmRSS from /proc, sampled every second).

    python bench/soak.py --sessions 20 --seconds 120            # starts its own server
    python bench/soak.py --url http://localhost:8501 --pid 1234  # an already running one

The database is DATABASE_URL (a demo database: the sessions sign in through demo mode).
Prints one JSON object; with --out, also writes it to that file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
WALK = [
    ("", "period=2026-10"),
    ("unit", "unit=HN.P.HOANKIEM&period=2026-10"),
    ("satisfaction", "period=2026-10"),
    ("warnings", ""),
    ("official", "official=CB0001"),
    ("grades", "period=2026-10"),
    ("", "period=2026-Q3"),
]
RUN_TIMEOUT = 60.0


def rss_kb(pid: int) -> int:
    """Resident memory of a process in kB (psutil is not installed: read /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.runs = 0
        self.sessions_done = 0


class Session:
    """One browser-like session over the websocket."""

    def __init__(self, base: str, role: str, stats: Stats):
        self.ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.origin = base
        self.role = role
        self.stats = stats
        self.ws = None
        self.widgets: dict[str, str] = {}  # user key suffix -> widget id

    async def __aenter__(self):
        self.ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], origin=self.origin, max_size=64 * 2**20, open_timeout=30
        )
        return self

    async def __aexit__(self, *exc):
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page: str = "", query: str = "", trigger: str | None = None) -> bool:
        """One script run (and the reruns it asks for) until it finishes; True when clean."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_name = page
        if trigger:
            w = cs.widget_states.widgets.add()
            w.id = trigger
            w.trigger_value = True
        t0 = time.perf_counter()
        self.widgets = {}
        await self.ws.send(msg.SerializeToString())
        ok = True
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=RUN_TIMEOUT)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                etype = el.WhichOneof("type")
                if etype == "exception":
                    ok = False
                    self.stats.errors.append(f"exception on {page or 'overview'}: {el.exception.message[:200]}")
                elif etype == "button":
                    self.widgets[el.button.id.rsplit("-", 1)[-1]] = el.button.id
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the same request goes on
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    ok = False
                    self.stats.errors.append("compile error")
                break
        self.stats.latencies.append(time.perf_counter() - t0)
        self.stats.runs += 1
        return ok

    async def sign_in(self) -> None:
        await self.run()
        button = self.widgets.get(f"demo_{self.role}")
        if button is None:
            raise RuntimeError("no demo sign-in button (is DATABASE_URL a demo database?)")
        await self.run(trigger=button)
        if "sign_out" not in self.widgets:  # the frame's user box: really signed in
            raise RuntimeError("demo sign-in did not open a session")


async def one_session(base: str, role: str, deadline: float, stats: Stats, offset: int) -> None:
    try:
        async with Session(base, role, stats) as s:
            await s.sign_in()
            i = offset
            while True:  # at least one page per session, then until the deadline
                page, query = WALK[i % len(WALK)]
                await s.run(page, query)
                i += 1
                if time.monotonic() >= deadline:
                    break
        stats.sessions_done += 1
    except Exception as exc:  # a dropped socket or a timeout is an error of the soak
        stats.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")


async def sample_memory(pid: int, deadline: float, samples: list[tuple[float, int]]) -> None:
    t0 = time.monotonic()
    while time.monotonic() < deadline:
        samples.append((round(time.monotonic() - t0, 1), rss_kb(pid)))
        await asyncio.sleep(1.0)


async def soak(base: str, pid: int, sessions: int, seconds: float, waves: int) -> dict:
    """``waves`` successive waves of ``sessions`` concurrent sessions sharing ``seconds``."""
    # Warm-up, not measured: imports, the engine and first query plans are one-off costs.
    warm = Stats()
    await one_session(base, "leader", time.monotonic() + 1.0, warm, 0)
    stats = Stats()
    stats.errors += warm.errors
    samples: list[tuple[float, int]] = []
    end = time.monotonic() + seconds
    mem = asyncio.create_task(sample_memory(pid, end + 1.5, samples))
    per_wave = seconds / waves
    for w in range(waves):
        deadline = min(end, time.monotonic() + per_wave)
        # New sessions each wave: memory held by closed sessions must be given back.
        await asyncio.gather(
            *[
                one_session(base, ("leader", "unit_head", "inspector")[k % 3], deadline, stats, k + w)
                for k in range(sessions)
            ]
        )
    await mem
    rss = [kb for _t, kb in samples]
    third = max(1, len(rss) // 3)
    first, last = statistics.mean(rss[:third]), statistics.mean(rss[-third:])
    return {
        "sessions": sessions,
        "waves": waves,
        "seconds": seconds,
        "runs": stats.runs,
        "sessions_completed": stats.sessions_done,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "latency_p50_s": round(percentile(stats.latencies, 0.50), 3),
        "latency_p95_s": round(percentile(stats.latencies, 0.95), 3),
        "latency_max_s": round(max(stats.latencies, default=0.0), 3),
        "rss_first_third_mb": round(first / 1024, 1),
        "rss_last_third_mb": round(last / 1024, 1),
        "rss_peak_mb": round(max(rss, default=0) / 1024, 1),
        "rss_growth_ratio": round(last / first, 3) if first else None,
        "rss_samples_mb": [(t, round(kb / 1024, 1)) for t, kb in samples],
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(database_url: str, port: int | None = None, log: str | None = None):
    """Serve app.py on localhost (as `make run` does); yield (base URL, pid)."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("THUOCDO_ENV", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "localhost",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w") if log else subprocess.DEVNULL,  # noqa: SIM115 - closed with the process
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited early")
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy in 90 s")
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="base URL of a running server (default: start one)")
    p.add_argument("--pid", type=int, help="the running server's process id (for its memory)")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--waves", type=int, default=3, help="successive waves of fresh sessions")
    p.add_argument("--out", help="also write the JSON result here")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the summary line (stderr)")
    p.add_argument("--server-log", help="the started server's stderr goes here (tracebacks of errors)")
    args = p.parse_args(argv)
    args.sessions = max(1, min(args.sessions, 200))  # bounded, whatever is asked
    args.seconds = max(5.0, min(args.seconds, 3600.0))
    if args.url:
        if not args.pid:
            p.error("--pid is required with --url")
        result = asyncio.run(soak(args.url, args.pid, args.sessions, args.seconds, args.waves))
    else:
        url = os.environ.get("DATABASE_URL") or "sqlite:///data/thuocdo.db"
        with server(url, log=args.server_log) as (base, pid):
            result = asyncio.run(soak(base, pid, args.sessions, args.seconds, args.waves))
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    sys.path.insert(0, str(ROOT))
    from thuocdo.i18n import t

    sys.stderr.write(
        t(
            "reliability.soak.summary",
            args.lang,
            sessions=result["sessions"],
            waves=result["waves"],
            seconds=int(result["seconds"]),
            runs=result["runs"],
            errors=result["errors"],
            p95=result["latency_p95_s"],
            first=result["rss_first_third_mb"],
            last=result["rss_last_third_mb"],
        )
        + "\n"
    )
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
