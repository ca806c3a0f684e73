"""CPU per request, in process: drive the ASGI apps directly (no server, no client) and time them with process_time.

Usage: python -m bench.inproc [--database ansinh_bench_10k] [--requests 3000] [--concurrency 16] [--only verify,...]
       [--profile FILE]  (cProfile of the measured phase, for `python -m pstats FILE`)

A development aid beside `make bench`: it leaves out the HTTP server (uvicorn costs every endpoint the same) and the
load generator, so a change to a handler shows up as microseconds of CPU per request within seconds, steadily even on
a noisy machine. The throughput goals themselves are measured by `bench.run`.
"""

import argparse
import asyncio
import cProfile
import hashlib
import json
import os
import resource
import time
from collections.abc import Awaitable, Callable
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

from ansinh.demo.personas import GATEWAY_USERNAME
from bench import fixtures, scale
from bench.run import CLINIC_ID, CLINIC_SECRET, OUT, RELAXED_LIMITS, bench_settings, gateway_check_url

Asgi = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]


async def call(app: Asgi, method: str, path: str, *, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    """One request straight into the ASGI app: (status, body)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path.partition("?")[0],
        "raw_path": path.partition("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # a client that never hangs up
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


class Lifespan:
    """Run an ASGI app's startup and shutdown."""

    def __init__(self, app: Asgi) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> "Lifespan":
        self._task = asyncio.create_task(self.app({"type": "lifespan"}, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._outbox.get()
        if answer["type"] != "lifespan.startup.complete":
            raise SystemExit(f"startup failed: {answer}")
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        await self._task


async def measure(
    name: str, app: Asgi, requests: list[tuple[str, str, dict[str, str], bytes]], *, concurrency: int, expect: bytes
) -> tuple[float, float, float]:
    """Send every request, ``concurrency`` at a time: (user, system, wall-clock) seconds."""
    queue = list(reversed(requests))
    failures: list[str] = []

    async def client() -> None:
        while queue:
            method, path, headers, body = queue.pop()
            status, answer = await call(app, method, path, headers=headers, body=body)
            if status >= 400 or expect not in answer:
                failures.append(f"{status} {answer[:200]!r}")

    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
    if failures:
        raise SystemExit(f"{name}: {len(failures)} failures, first: {failures[0]}")
    return after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, wall


def lines(path: str, count: int) -> list[str]:
    text = Path(path).read_text(encoding="utf-8").splitlines()
    return [text[n % len(text)] for n in range(count)]


async def main_async(args: argparse.Namespace) -> None:
    settings = bench_settings(
        scale.database_url(args.database),
        public_url="http://localhost:8000",
        log_level="INFO",  # production's: every request writes its access line (into the file below)
        **{k.removeprefix("ANSINH_").lower(): int(v) for k, v in RELAXED_LIMITS.items()},  # as bench.run relaxes them
    )
    prepared = await fixtures.prepare(settings, OUT / "inproc", bodies=max(args.requests * 2, 1000))
    os.environ["BENCH_REF_PUBLIC_KEY"] = str(prepared["ref_public_key"])
    from ansinh.app import create_app
    from bench import ref_app  # reads its key at import

    log = (OUT / "inproc" / "server.log").open("a", encoding="utf-8")
    with redirect_stderr(log):
        app = create_app(settings)  # logs to the stderr of its creation
    citizens: list[fixtures.Citizen] = prepared["citizens"]  # type: ignore[assignment]
    n = args.requests
    json_type = {"content-type": "application/json"}
    only = {x for x in args.only.split(",") if x}
    profiler = cProfile.Profile() if args.profile else None
    async with Lifespan(app):
        _, answer = await call(
            app,
            "POST",
            "/api/v1/clinic/token",
            headers={"content-type": "application/x-www-form-urlencoded"},
            body=f"grant_type=client_credentials&client_id={CLINIC_ID}&client_secret={CLINIC_SECRET}".encode(),
        )
        clinic = {"authorization": f"Bearer {json.loads(answer)['access_token']}", **json_type}
        tokens = [fixtures.access_token(settings, c.account_id) for c in citizens]
        password = hashlib.md5(CLINIC_SECRET.encode()).hexdigest()  # noqa: S324  (the gateway's protocol)
        _, answer = await call(
            app,
            "POST",
            "/api/token/take",
            headers=json_type,
            body=json.dumps({"username": GATEWAY_USERNAME, "password": password}).encode(),
        )
        gateway_path = gateway_check_url("", json.loads(answer)["APIKey"], password)
        plan: dict[str, tuple[Asgi, list[tuple[str, str, dict[str, str], bytes]], bytes]] = {
            "bare_verify": (
                ref_app.app,
                [("POST", "/verify", json_type, b.encode()) for b in lines(prepared["bare_verify_bodies"], n)],  # type: ignore[arg-type]
                b'"valid":true',
            ),
            "bare_health": (ref_app.app, [("GET", "/health/live", {}, b"")] * n, b'"ok"'),
            "health_live": (app, [("GET", "/health/live", {}, b"")] * n, b'"ok"'),
            "clinic_verify": (
                app,
                [("POST", "/api/v1/clinic/verify", clinic, b.encode()) for b in lines(prepared["verify_bodies"], n)],  # type: ignore[arg-type]
                b'"result":"000"',
            ),
            "clinic_lookup": (
                app,
                [("POST", "/api/v1/clinic/lookup", clinic, b.encode()) for b in lines(prepared["lookup_bodies"], n)],  # type: ignore[arg-type]
                b'"result":"000"',
            ),
            "gateway_check": (
                app,
                [("POST", gateway_path, json_type, b.encode()) for b in lines(prepared["gateway_bodies"], n)],  # type: ignore[arg-type]
                b'"maKetQua":"000"',
            ),
            "me_card": (
                app,
                [
                    ("GET", "/api/v1/me/card", {"authorization": f"Bearer {tokens[i % len(tokens)]}"}, b"")
                    for i in range(n)
                ],
                b'"number"',
            ),
        }
        chosen = {name: plan[name] for name in plan if not only or name in only}
        totals = {name: [0.0, 0.0, 0.0, 0] for name in chosen}
        async with Lifespan(ref_app.app):  # type: ignore[arg-type]
            for name, (target, requests, expect) in chosen.items():  # warm up: prepared statements, caches
                await measure(name, target, requests[: n // 5], concurrency=args.concurrency, expect=expect)
            # The endpoints take turns in short rounds, so a machine that speeds up or slows down (a noisy VM)
            # weighs on all of them alike and their ratios hold.
            step = max(1, (n - n // 5) // args.rounds)
            for start in range(n // 5, n, step):
                for name, (target, requests, expect) in chosen.items():
                    batch = requests[start : start + step]
                    if profiler:
                        profiler.enable()
                    user, system, wall = await measure(name, target, batch, concurrency=args.concurrency, expect=expect)
                    if profiler:
                        profiler.disable()
                    totals[name] = [
                        totals[name][0] + user,
                        totals[name][1] + system,
                        totals[name][2] + wall,
                        totals[name][3] + len(batch),
                    ]
    if profiler:
        profiler.dump_stats(args.profile)
    base = totals.get("bare_verify")
    ceiling = totals.get("bare_health")
    for name, (user, system, wall, count) in totals.items():
        cpu_us = 1e6 * (user + system) / count
        rel = f"  ×{cpu_us / (1e6 * (base[0] + base[1]) / base[3]):.2f} of bare verify" if base else ""
        if ceiling and name == "health_live":  # requests per CPU second, ours against bare Litestar's
            rel += f"  {(1e6 * (ceiling[0] + ceiling[1]) / ceiling[3]) / cpu_us:.2f} of the bare ceiling's req/s"
        print(
            f"{name:16} {cpu_us:8.1f} µs CPU/request (user {1e6 * user / count:.0f}, system"
            f" {1e6 * system / count:.0f}) {count / wall:9.1f} req/s{rel}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="ansinh_bench_10k")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", default="")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main_async(args))
    except ImportError:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
