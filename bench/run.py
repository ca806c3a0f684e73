"""`make bench`: load AnSinh (`ansinh run`, production settings, PostgreSQL) and two references with wrk.

Usage: python -m bench.run [--database ansinh_bench_10k] [--duration 10] [--connections 32] [--workers 1]

The server is pinned to the first core and wrk to the second (``taskset``), so the load generator never takes the
server's CPU; PostgreSQL is not pinned. Each figure is reported with its ratio to the references measured in the same
run: ``GET /health/live`` (the framework's ceiling here) and a minimal Litestar app (``bench/ref_app.py``) that only
verifies an ES256 JWS. The same minimal app's ``GET /health/live`` (``bare_health``: no security headers, request id or
access log) is the ceiling of bare Litestar under the same server; every figure's ratio to it is reported too, the
ceiling's among them (the framework's own cost); the gateway's card check also with its ratio to clinic look-up.
Results go to ``bench/out/<label>.json`` and a Markdown table on
stdout.
"""

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import urlencode

import httpx

from ansinh.core.settings import Settings
from ansinh.demo.personas import GATEWAY_USERNAME
from bench import fixtures, scale, signin
from bench.cpu import Busy
from bench.otp_sink import OtpSink
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
LUA = ROOT / "bench" / "wrk" / "requests.lua"
CLINIC_ID, CLINIC_SECRET = "clinic-01001", "demo-clinic-secret"  # the demo clinic client the seed creates
GATEWAY_CHECK_PATH = "/api/egw/KQNhanLichSuKCB2024"
COMPARED_WITH_LOOKUP = frozenset({"gateway_check"})  # figures whose goal is a share of clinic look-up's req/s
# The two relaxations of the production settings, reported with every run (docs/PERFORMANCE.md).
RELAXED_LIMITS = {
    "ANSINH_CLINIC_RATE_LIMIT": "1000000",
    "ANSINH_SIGN_IN_LIMIT_PER_IP": "1000000",
    "ANSINH_SIGN_IN_LIMIT_PER_ACCOUNT": "1000",
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpus() -> tuple[str, str]:
    """(server cores, load generator cores) for taskset: first core for the server, the second for wrk."""
    count = os.cpu_count() or 1
    return ("0", "1") if count >= 2 else ("0", "0")


def bench_settings(database_url: str, *, public_url: str, **overrides: Any) -> Settings:
    """Production settings on a bench database (its app URL), with secrets made for this run."""
    return Settings(
        env="prod",
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        payment_hmac_secret=secrets.token_urlsafe(48),
        public_url=public_url,
        **overrides,
    )


def server_env(settings: Settings, extra: dict[str, str]) -> dict[str, str]:
    """The production environment of the server under test, with the relaxed limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env.update(
        {
            "ANSINH_ENV": "prod",
            "ANSINH_DATABASE_URL": settings.database_url,
            "ANSINH_SECRET_KEY": settings.secret_key,
            "ANSINH_PAYMENT_HMAC_SECRET": settings.payment_hmac_secret,
            "ANSINH_PUBLIC_URL": settings.public_url,
            # Production's level: one access-log line per request is part of what every figure costs.
            "ANSINH_LOG_LEVEL": "INFO",
            "ANSINH_DB_POOL_SIZE": str(settings.db_pool_size),
            **RELAXED_LIMITS,
            **extra,
        }
    )
    if settings.redis_url:
        env["ANSINH_REDIS_URL"] = settings.redis_url
    return env


@contextmanager
def postgres_on(cores: str) -> Iterator[None]:
    """Run new PostgreSQL backends on ``cores`` (the load generator's), so the server under test has its core alone.

    Backends inherit the postmaster's CPU affinity; it is put back afterwards. Skipped when not permitted.
    """
    pid = scale.POSTMASTER_PID
    if pid is None:
        found = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True, text=True)  # noqa: S607
        pid = int(found.stdout.split()[0]) if found.stdout.split() else None
    before = os.sched_getaffinity(pid) if pid else None
    try:
        if pid:
            os.sched_setaffinity(pid, {int(c) for c in cores.split(",")})
    except PermissionError:
        pid = None
    try:
        yield
    finally:
        if pid and before:
            os.sched_setaffinity(pid, before)


@contextmanager
def serve(command: list[str], *, env: dict[str, str], port: int, cores: str, probe: str, log: Path) -> Iterator[int]:
    """Run a server pinned to ``cores`` until the block ends, its output going to ``log``; wait until ``probe``
    answers."""
    pinned = ["taskset", "-c", cores, *command]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603  (our own commands)
            pinned, env=env, cwd=ROOT, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited with {process.returncode}: {' '.join(command)} (see {log})")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server did not answer {probe} within 60 s")
            time.sleep(0.2)
        yield process.pid  # taskset execs the server: same pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wrk(
    name: str,
    url: str,
    *,
    method: str = "GET",
    lines: str = "-",
    authorization: str = "",
    expect: str = "",
    duration: int,
    connections: int,
    cores: str,
    first_line: int = 0,
) -> Result:
    """One wrk run (one thread on the load generator's core) → Result; ``first_line``: where to start in ``lines``."""
    path = "/" + url.split("/", 3)[3]
    command = [
        "taskset",
        "-c",
        cores,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        lines,
        method,
        path,
        authorization,
        expect,
        str(first_line),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    if done.stderr.strip():
        print(f"{name}: {done.stderr.strip()}", file=sys.stderr)
    errors = sum(stats[k] for k in ("connect", "read", "write", "status", "timeout", "unexpected"))
    detail = {k: stats[k] for k in ("connect", "read", "write", "status", "timeout", "unexpected") if stats[k]}
    return Result(
        name=name,
        requests=stats["requests"],
        errors=errors,
        duration_s=stats["duration_us"] / 1e6,
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        note=json.dumps(detail) if detail else "",
    )


def start_profile(pid: int, path: Path, duration: int) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (and its workers) for ``duration`` seconds into collapsed stacks at ``path``."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed (pip install -e '.[bench]'): no profile", file=sys.stderr)
        return None
    command = [spy, "record", "-p", str(pid), "--subprocesses", "--nonblocking", "-r", "100", "-d", str(duration)]
    command += ["-f", "raw", "-o", str(path)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def hottest_frames(path: Path, count: int = 12) -> list[str]:
    """The functions with the most samples at the top of the stack, as "share% function (file:line)"."""
    if not path.exists():
        return []
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        total += int(samples)
        leaf = stack.split(";")[-1]
        own[leaf] = own.get(leaf, 0) + int(samples)
    ranked = sorted(own.items(), key=lambda item: -item[1])[:count]
    return [f"{100 * n / total:.1f}% {frame}" for frame, n in ranked] if total else []


def clinic_token(base: str) -> str:
    """The demo clinic's bearer token, by the client-credentials grant."""
    answer = httpx.post(
        f"{base}/api/v1/clinic/token",
        data={"grant_type": "client_credentials", "client_id": CLINIC_ID, "client_secret": CLINIC_SECRET},
        timeout=30,
    )
    answer.raise_for_status()
    return f"Bearer {answer.json()['access_token']}"


def gateway_check_url(base: str, api_key: dict[str, Any], password: str) -> str:
    """The card check's URL as hospital software calls it: the session repeated in the query string."""
    query = {
        "token": api_key["access_token"],
        "id_token": api_key["id_token"],
        "username": api_key["username"],
        "password": password,
    }
    return f"{base}{GATEWAY_CHECK_PATH}?{urlencode(query)}"


def gateway_session(base: str) -> str:
    """Sign in once as the demo facility's hospital software (``POST /api/token/take``, JSON, the lower-case MD5 hex
    of the password, as most HIS clients do); the card check's URL with that session."""
    password = hashlib.md5(CLINIC_SECRET.encode()).hexdigest()  # noqa: S324  (the gateway's protocol)
    answer = httpx.post(f"{base}/api/token/take", json={"username": GATEWAY_USERNAME, "password": password}, timeout=30)
    answer.raise_for_status()
    body = answer.json()
    if body.get("maKetQua") != "200":
        raise SystemExit(f"the gateway refused the bench's sign-in as {GATEWAY_USERNAME}: {body}")
    return gateway_check_url(base, body["APIKey"], password)


def check_once(base: str, method: str, path: str, authorization: str, body: str | None, expect: str) -> None:
    """Refuse to measure an endpoint that does not give the expected answer to one request."""
    headers = {"Authorization": authorization} if authorization else {}
    if body:
        headers["Content-Type"] = "application/json"
    answer = httpx.request(method, f"{base}{path}", headers=headers, content=body, timeout=30)
    if answer.status_code >= 400 or expect not in answer.text:
        raise SystemExit(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")


def per_user_lines(path: Path, tokens: list[str], body: str = "") -> str:
    """Lines "Bearer <token>\\t<body>": each request as another citizen."""
    path.write_text("".join(f"Bearer {t}\t{body}\n" for t in tokens), encoding="utf-8")
    return str(path)


def merge(parts: list[Result]) -> Result:
    """One endpoint's slices as one figure: counts and time summed, the median slice's p50, the worst slice's p99."""
    if len(parts) == 1:
        return parts[0]
    duration = sum(p.duration_s for p in parts)
    busy = [p.server_cores for p in parts]
    return Result(
        name=parts[0].name,
        requests=sum(p.requests for p in parts),
        errors=sum(p.errors for p in parts),
        duration_s=duration,
        p50_ms=median(p.p50_ms or 0.0 for p in parts),
        p99_ms=max(p.p99_ms or 0.0 for p in parts),
        note="; ".join(p.note for p in parts if p.note),
        server_cores=None
        if None in busy
        else sum(b * p.duration_s for b, p in zip(busy, parts, strict=True)) / duration,  # type: ignore[operator]
    )


def ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 3) if reference else None


def all_ratios(results: list[Result]) -> dict[str, dict[str, float | None]]:
    """Each figure's ratio to the references of the same run: our ceiling, the bare verify and the bare ceiling; the
    gateway's card check also to clinic look-up (issue 20's goal: at least 0.5 of it)."""
    by_name = {r.name: r.rps for r in results}
    references = {"ceiling": "health_live", "bare_verify": "bare_verify", "bare_health": "bare_health"}
    ratios = {
        r.name: {key: ratio(r.rps, by_name.get(reference, 0.0)) for key, reference in references.items()}
        for r in results
    }
    for name in COMPARED_WITH_LOOKUP:
        if name in ratios:
            ratios[name]["clinic_lookup"] = ratio(by_name[name], by_name.get("clinic_lookup", 0.0))
    return ratios


def markdown(results: list[Result], ratios: dict[str, dict[str, float | None]]) -> str:
    """The run as a Markdown table."""
    rows = [
        "| endpoint | req/s | p50 ms | p99 ms | errors | ratio to ceiling | ratio to bare verify "
        "| ratio to bare ceiling | ratio to look-up | server busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rel = ratios.get(r.name, {})
        rows.append(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | "
            f"{_cell(rel.get('ceiling'))} | {_cell(rel.get('bare_verify'))} | {_cell(rel.get('bare_health'))} | "
            f"{_cell(rel.get('clinic_lookup'))} | "
            f"{'' if r.server_cores is None else f'{r.server_cores:.2f}'} |"
        )
    return "\n".join(rows)


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="ansinh_bench_10k", help="PostgreSQL database (prepared by bench.scale)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint (in --rounds slices)")
    parser.add_argument(
        "--connections", type=int, default=64, help="wrk connections: enough to keep the server busy (see server busy)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="slices per endpoint, taken in turns (1 with --profile)")
    parser.add_argument("--profile", action="store_true", help="py-spy the server during each wrk run")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn", help="`ansinh run` is uvicorn")
    parser.add_argument("--pool-size", type=int, default=10, help="ANSINH_DB_POOL_SIZE per worker")
    parser.add_argument("--redis-url", default=None, help="ANSINH_REDIS_URL (shared store); memory when unset")
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    parser.add_argument("--no-sign-ins", action="store_true")
    parser.add_argument("--label", default=None)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does it)")

    port, ref_port = free_port(), free_port()
    settings = bench_settings(
        scale.database_url(args.database),
        public_url=f"http://localhost:{port}",
        redis_url=args.redis_url,
        db_pool_size=args.pool_size,
    )
    label = args.label or f"{args.database}-w{args.workers}-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    work = OUT / label
    prepared = asyncio.run(fixtures.prepare(settings, work))
    citizens: list[fixtures.Citizen] = prepared["citizens"]  # type: ignore[assignment]
    citizen_tokens = [fixtures.access_token(settings, c.account_id) for c in citizens]
    history_tokens = [fixtures.access_token(settings, a) for a, _years in prepared["history_accounts"]]  # type: ignore[attr-defined]
    years = [y for _a, y in prepared["history_accounts"]]  # type: ignore[attr-defined]
    server_cores, load_cores = cpus()
    common = {"connections": args.connections, "cores": load_cores}
    only = {n for n in args.only.split(",") if n}
    base, ref_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ref_port}"
    results: list[Result] = []
    profiles: dict[str, list[str]] = {}

    def wanted(name: str) -> bool:
        return not only or name in only

    ref_env = {**os.environ, "BENCH_REF_PUBLIC_KEY": str(prepared["ref_public_key"])}
    if args.server == "granian":  # the same server for the reference and for AnSinh, as the ratios need
        granian = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host", "127.0.0.1"]
        granian += ["--workers", str(args.workers), "--loop", "uvloop", "--log-level", "warning", "--no-ws"]
        ref_command = [*granian, "--port", str(ref_port), "bench.ref_app:app"]
        app_command = [*granian, "--port", str(port), "--factory", "ansinh.app:create_app"]
    else:
        uvicorn_flags = ["--host", "127.0.0.1", "--workers", str(args.workers), "--no-access-log"]
        ref_command = [sys.executable, "-m", "uvicorn", "bench.ref_app:app", "--port", str(ref_port), *uvicorn_flags]
        app_command = [sys.executable, "-m", "ansinh", "run", "--host", "127.0.0.1", "--port", str(port)]
        app_command += ["--workers", str(args.workers)]
    # One-time codes go to a local SMS gateway stand-in: the production webhook sender, unchanged.
    sink = OtpSink()
    sink.start()
    # Both servers run side by side on the server core (the idle one costs nothing), so the endpoints can take turns.
    with (
        serve(
            ref_command, env=ref_env, port=ref_port, cores=server_cores, probe="/schema", log=work / "ref-server.log"
        ) as ref_pid,
        postgres_on(load_cores),
        serve(
            app_command,
            env=server_env(settings, sink.env()),
            port=port,
            cores=server_cores,
            probe="/health/ready",
            log=work / "server.log",  # the access log among it: a line per request
        ) as server_pid,
    ):
        clinic = clinic_token(base)
        gateway_url = gateway_session(base) if wanted("gateway_check") else ""
        card_lines = per_user_lines(work / "card.lines", citizen_tokens)
        token_lines = per_user_lines(work / "card-token.lines", citizen_tokens, '{"kind":"online"}')
        history_lines = per_user_lines(work / "contributions.lines", history_tokens)
        plan: list[tuple[str, str, str, str, str, str, int]] = [
            # name, method, URL, lines, authorization, expected marker, server pid
            ("bare_verify", "POST", f"{ref_base}/verify", prepared["bare_verify_bodies"], "", '"valid":true', ref_pid),  # type: ignore[list-item]
            # The two ceilings one after the other in every round: their ratio is the framework's own cost.
            ("bare_health", "GET", f"{ref_base}/health/live", "-", "", '"ok"', ref_pid),
            ("health_live", "GET", f"{base}/health/live", "-", "", '"ok"', server_pid),
            (
                "clinic_verify",
                "POST",
                f"{base}/api/v1/clinic/verify",
                prepared["verify_bodies"],
                clinic,
                '"result":"000"',
                server_pid,
            ),  # type: ignore[list-item]
            (
                "clinic_lookup",
                "POST",
                f"{base}/api/v1/clinic/lookup",
                prepared["lookup_bodies"],
                clinic,
                '"result":"000"',
                server_pid,
            ),  # type: ignore[list-item]
            (
                "gateway_check",
                "POST",
                gateway_url,
                prepared["gateway_bodies"],
                "",
                '"maKetQua":"000"',
                server_pid,
            ),  # type: ignore[list-item]
            ("me_card", "GET", f"{base}/api/v1/me/card", card_lines, "", '"number"', server_pid),
            ("me_card_token", "POST", f"{base}/api/v1/me/card/token", token_lines, "", '"token"', server_pid),
            ("me_contributions", "GET", f"{base}/api/v1/me/contributions", history_lines, "", '"periods"', server_pid),
        ]
        plan = [step for step in plan if wanted(step[0])]
        for _name, method, url, lines_file, authorization, expect, _pid in plan:
            first = Path(lines_file).read_text(encoding="utf-8").split("\n", 1)[0] if lines_file != "-" else ""
            auth, _, body = first.partition("\t") if "\t" in first else (authorization, "", first)
            check_once(url, method, "", auth, body or None, expect)
        # The endpoints take turns in short slices: a VM whose speed drifts (neighbours, turbo) weighs on all of them
        # alike, so the ratios to the references hold; each figure sums its slices.
        rounds = 1 if args.profile else max(1, args.rounds)
        slices: dict[str, list[Result]] = {name: [] for name, *_ in plan}
        for _turn in range(rounds):
            for name, method, url, lines_file, authorization, expect, pid in plan:
                profile = work / f"{name}.stacks"
                spy = start_profile(pid, profile, max(1, args.duration - 1)) if args.profile else None
                with Busy(pid) as busy:
                    result = wrk(
                        name,
                        url,
                        method=method,
                        lines=lines_file,
                        authorization=authorization,
                        expect=expect,
                        duration=max(1, round(args.duration / rounds)),
                        **common,
                        first_line=sum(part.requests for part in slices[name]),
                    )
                result.server_cores = busy.cores
                slices[name].append(result)
                if spy is not None:
                    spy.wait()
                    profiles[name] = hottest_frames(profile)
        results.extend(merge(parts) for parts in slices.values())
        if not args.no_sign_ins and (wanted("password_sign_in") or wanted("passkey_sign_in")):
            load_core = {int(c) for c in load_cores.split(",")}
            profile = work / "sign_ins.stacks"
            # Both flows with their set-up and warm-up: the profile is of the sign-in handlers, whatever the phase.
            spy = start_profile(server_pid, profile, 2 * args.duration + 30) if args.profile else None
            results.extend(
                signin.bench_sign_ins(
                    base, settings, duration=args.duration, sink=sink, cores=load_core, server_pid=server_pid
                )
            )
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
                spy.wait()
                profiles["sign_ins"] = hottest_frames(profile)
    sink.stop()

    ratios = all_ratios(results)
    report = {
        "label": label,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": args.database,
        "workers": args.workers,
        "server": args.server,
        "pool_size": args.pool_size,
        "connections": args.connections,
        "duration_s": args.duration,
        "cores": {
            "server": server_cores,
            "load_generator and PostgreSQL backends": load_cores,
            "machine": os.cpu_count(),
        },
        "relaxations": {**RELAXED_LIMITS, "one-time codes": "ANSINH_OTP_WEBHOOK_URL → bench/otp_sink.py"},
        "history_years": {"min": min(years, default=0), "max": max(years, default=0)},
        "results": [r.as_dict() | {"ratios": ratios[r.name]} for r in results],
        "profiles": profiles,
    }
    (OUT / f"{label}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(markdown(results, ratios))
    print(f"\nwritten: {OUT / f'{label}.json'}")
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
