"""Does password hashing starve other requests? `GET /me/card` under wrk, alone and during password sign-ins.

Usage: python -m bench.hashing_load [--database ansinh_bench_10k] [--duration 10]

Same server setup as bench.run (production settings, 1 worker on core 0, wrk and PostgreSQL on core 1). Prints one
JSON line per measurement: the card screen alone, the card screen while 4 clients sign in with password + code back
to back, and those sign-ins.
"""

import argparse
import asyncio
import json
import secrets
import sys
import threading
import time

from ansinh.core.settings import Settings
from bench import fixtures, run, scale, signin
from bench.otp_sink import OtpSink
from bench.results import Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="ansinh_bench_10k")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    args = parser.parse_args(argv)
    port = run.free_port()
    settings = Settings(
        env="prod",
        database_url=scale.database_url(args.database),
        secret_key=secrets.token_urlsafe(48),
        payment_hmac_secret=secrets.token_urlsafe(48),
        public_url=f"http://localhost:{port}",
    )
    work = run.OUT / "hashing-load"
    prepared = asyncio.run(fixtures.prepare(settings, work, bodies=100))
    tokens = [fixtures.access_token(settings, c.account_id) for c in prepared["citizens"]]  # type: ignore[attr-defined]
    lines = run.per_user_lines(work / "card.lines", tokens)
    accounts = signin.prepare_password_accounts(settings.database_url, 400)
    server_cores, load_cores = run.cpus()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "ansinh", "run", "--host", "127.0.0.1", "--port", str(port)]
    results: list[Result] = []
    with OtpSink() as sink, run.postgres_on(load_cores):
        env = run.server_env(settings, sink.env())
        server = run.serve(
            command, env=env, port=port, cores=server_cores, probe="/health/ready", log=run.OUT / "hashing-server.log"
        )
        with server:
            card = {"lines": lines, "expect": '"number"', "duration": args.duration, "connections": 16}
            results.append(run.wrk("me_card alone", f"{base}/api/v1/me/card", cores=load_cores, **card))
            signed: list[Result] = []

            def sign_ins() -> None:
                flows = signin.password_sign_ins(
                    base, accounts, sink, duration_s=args.duration + 4, concurrency=4, warmup_s=1
                )
                signed.append(asyncio.run(flows))

            thread = threading.Thread(target=sign_ins)
            thread.start()
            time.sleep(2)  # the sign-ins are under way before the card screen is measured again
            during = run.wrk("me_card during password sign-ins", f"{base}/api/v1/me/card", cores=load_cores, **card)
            results.append(during)
            thread.join()
            results.extend(signed)
    for result in results:
        print(json.dumps(result.as_dict()))
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
