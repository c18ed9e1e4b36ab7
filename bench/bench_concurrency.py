"""Benchmark: 20 simultaneous sessions on different pages (AppTest sessions in threads).

Every session is a full script run of app.py with its own session state, sharing the
process-wide caches (``st.cache_data`` keyed by scope, ``st.cache_resource`` engine) as
the sessions of one Streamlit server do. Records the p95 of the runs and the errors.

``python -m bench.bench_concurrency --url URL [--sessions 20] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import contextlib
import threading
import traceback

from bench.bench_pages import clear_data_caches, new_session, page_cases, run_timed, use_database
from bench.common import Record, log, timing_record

# The presentation page rebuilds its whole deck on every run (tens of seconds of CPU at city
# scale, reported by bench_pages): with it, every round would wait minutes for one session.
EXCLUDE = ("/present",)


@contextlib.contextmanager
def shared_runtime():
    """One Streamlit Runtime for every session, as in a real server.

    AppTest installs a mock ``Runtime._instance`` for each run and sets it back to None when
    the run ends, so a session finishing in one thread pulls the runtime from under a session
    still running in another ("Runtime hasn't been created!"): an artefact of the test
    harness, not of the app. While this is active, the last runtime installed stays visible.
    """
    from streamlit.runtime.runtime import Runtime

    saved = Runtime.__dict__["instance"], Runtime.__dict__["exists"]
    last: dict = {"rt": None}

    def instance(cls):
        rt = cls._instance
        if rt is not None:
            last["rt"] = rt
            return rt
        if last["rt"] is not None:
            return last["rt"]
        raise RuntimeError("Runtime hasn't been created!")

    def exists(cls):
        return cls._instance is not None or last["rt"] is not None

    Runtime.instance, Runtime.exists = classmethod(instance), classmethod(exists)
    try:
        yield
    finally:
        Runtime.instance, Runtime.exists = saved


def bench_concurrent(
    url: str,
    engine_name: str,
    scale: int,
    sessions: int = 20,
    rounds: int = 3,
    exclude: tuple[str, ...] = EXCLUDE,
) -> list[Record]:
    """``sessions`` simultaneous sessions on different pages (AppTest in threads).

    Caches are cleared before the first round, so round 1 includes the cold misses of a
    fresh server under load, and the later rounds the steady state. Records the p95 of
    every run and the number of errors.
    """
    use_database(url)
    cases = [c for c in page_cases(url) if c.name not in exclude]
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    clear_data_caches()
    with shared_runtime():
        for _ in range(rounds):
            barrier = threading.Barrier(sessions)

            def worker(i: int, barrier: threading.Barrier = barrier) -> None:
                case = cases[i % len(cases)]
                try:
                    at = new_session(case)
                    barrier.wait(timeout=120)
                    ms = run_timed(at)
                    with lock:
                        times.append(ms)
                except Exception as exc:  # noqa: BLE001 - counted as an error of the run
                    with lock:
                        errors.append(f"{case.name}: {exc!r}"[:400] + "\n" + traceback.format_exc(limit=2)[-400:])

            threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(sessions)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(600)
    rec = timing_record(
        engine_name,
        scale,
        "concurrent_p95",
        f"{sessions}_sessions_x{rounds}",
        times,
        extra={
            "errors": len(errors),
            "sessions": sessions,
            "rounds": rounds,
            "pages": [c.name for c in cases],
            "excluded": list(exclude),
        },
        note=(errors[0][:500] if errors else None),
    )
    rec.value = float(len(errors))
    log(
        f"{engine_name} {scale:,} concurrent {sessions}x{rounds}: p95 {rec.p95_ms} ms, median {rec.median_ms} ms, errors {len(errors)}"
    )
    return [rec]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--scale", type=int, default=0)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    name = "postgresql" if args.url.startswith("postgres") else "sqlite"
    for r in bench_concurrent(args.url, name, args.scale, args.sessions, args.rounds):
        print(r.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
