"""The framework's own cost, in process: `GET /health/live` of AnSinh's ASGI app against the bare Litestar app's
(`bench/ref_app.py`), called directly with no server and no client, and the parts of the wrapper in between.

Usage: python -m bench.ceiling --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/ANY
       [--requests 500] [--rounds 200] [--log-format json|text]

The probe touches no database (any URL will do; nothing connects). AnSinh runs with production settings, logging at
INFO into a temporary file, so every request writes its access line as in production. Variants (CPU µs per request):

- ``bare``: the reference app's `/health/live`, nothing around it;
- ``ansinh``: `create_app()` as served (request id, security headers, access line);
- ``ansinh_no_access_log``: the same at log level WARNING (the access line's cost is the difference);
- ``ansinh_no_edge``: without ``core/edge.py`` (the request id, headers and access line's cost together).

Each figure is the median over many short turns, the variants taking turns (the ratio: the median of each turn's).
The ratio bare/ansinh is requests per CPU second of the app alone, AnSinh's against bare Litestar's; under a server
(`bench.run`) the server's own cost is added to both, so the ratio there is higher.
"""

import argparse
import asyncio
import logging
import os
import secrets
import tempfile
import time
from contextlib import ExitStack, redirect_stderr
from pathlib import Path
from statistics import median
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bench.inproc import Asgi

PROBE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/health/live",
    "raw_path": b"/health/live",
    "query_string": b"",
    "root_path": "",
    # What wrk sends.
    "headers": [(b"host", b"127.0.0.1:8000")],
    "client": ("127.0.0.1", 40000),
    "server": ("127.0.0.1", 8000),
}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def probe(app: Asgi, count: int) -> float:
    """CPU seconds for ``count`` probes one after another; refuses an app that does not answer 200 and the body."""
    answers: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        if len(answers) < 2:
            answers.append(message)

    started = time.process_time()
    for _ in range(count):
        await app(dict(PROBE), _receive, send)
    spent = time.process_time() - started
    if answers[0].get("status") != 200 or answers[1].get("body") != b'{"status":"ok"}':
        raise SystemExit(f"unexpected answer: {answers}")
    return spent


def bare_app(folder: Path) -> Asgi:
    """The reference app (its verify route needs a public key at import: a throwaway one)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = folder / "ref-public.pem"
    pem.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    os.environ["BENCH_REF_PUBLIC_KEY"] = str(pem)
    from bench import ref_app

    return ref_app.app  # type: ignore[return-value]


async def main_async(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from ansinh.app import create_app, freeze_startup_objects
    from ansinh.core.logging import access_logger
    from ansinh.core.settings import Settings

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bare = bare_app(folder)
        settings = Settings(
            env="prod",
            database_url=args.database_url,
            secret_key=secrets.token_urlsafe(48),
            payment_hmac_secret=secrets.token_urlsafe(48),
            log_level="INFO",
            log_format=args.log_format,
        )
        log = stack.enter_context((folder / "server.log").open("w", encoding="utf-8"))
        with redirect_stderr(log):
            app = create_app(settings)  # logs to the stderr of its creation: the file
        edge = app.asgi_handler
        no_edge = _SkippingEdge(app, edge.app)  # type: ignore[attr-defined]

        async def quiet(count: int) -> float:
            access_logger.setLevel(logging.WARNING)
            try:
                return await probe(app, count)  # type: ignore[arg-type]
            finally:
                access_logger.setLevel(logging.NOTSET)

        variants = {
            "bare": lambda count: probe(bare, count),
            "ansinh": lambda count: probe(app, count),  # type: ignore[arg-type]
            "ansinh_no_access_log": quiet,
            "ansinh_no_edge": lambda count: probe(no_edge, count),  # type: ignore[arg-type]
        }
        freeze_startup_objects()  # as the app's start-up does
        for run in variants.values():  # warm up
            await run(args.requests)
        # Short turns, many of them: each turn's ratio compares variants measured moments apart.
        micros: dict[str, list[float]] = {name: [] for name in variants}
        for _round in range(args.rounds):
            for name, run in variants.items():
                micros[name].append(1e6 * await run(args.requests) / args.requests)
        edge.access_log.flush()  # type: ignore[attr-defined]
        log.flush()
        lines = (folder / "server.log").read_text(encoding="utf-8").count("\n")
    figures = {}
    for name, series in micros.items():
        ratios = [bare / mine for bare, mine in zip(micros["bare"], series, strict=True)]
        figures[name] = {"us": median(series), "quickest_us": min(series), "ratio": median(ratios)}
        print(
            f"{name:22} {median(series):6.1f} µs/request (quickest turn {min(series):5.1f})"
            f"   {median(ratios):5.2f} of bare's requests per CPU second"
        )
    print(f"(medians of {args.rounds} turns of {args.requests} probes; access lines written: {lines:,})")
    return figures


class _SkippingEdge:
    """The Litestar app with its outermost wrapper left out (Litestar.__call__ puts the app in the scope first)."""

    def __init__(self, app: Any, inner: Asgi) -> None:
        self.app, self.inner = app, inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["app"] = scope["litestar_app"] = self.app
        scope.setdefault("state", {})
        await self.inner(scope, receive, send)


def main_figures(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Parse the arguments, measure, print; the figures by variant (median µs, quickest µs, ratio to bare)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.ceiling", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="any PostgreSQL URL (nothing connects)")
    parser.add_argument("--requests", type=int, default=500, help="probes per variant per turn")
    parser.add_argument("--rounds", type=int, default=200, help="turns")
    parser.add_argument("--log-format", choices=["json", "text"], default="json")
    args = parser.parse_args(argv)
    try:
        import uvloop

        return uvloop.run(main_async(args))
    except ImportError:
        return asyncio.run(main_async(args))


def main(argv: list[str] | None = None) -> int:
    main_figures(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
