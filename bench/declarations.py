"""A D02-LT upload of many rows, validated and applied in one request, timed in process.

Usage: createdb -h 127.0.0.1 -U postgres ansinh_bench_decl
       python -m bench.declarations --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/ansinh_bench_decl \
           [--rows 10000] [--new-every 10]

The database is migrated, then given one employer (region I), its HR clerk and ``rows`` registered workers; the
upload hires them all from one month (every ``new-every``-th row a person new to SI, who gets an SI code), then the
same file is uploaded again to time the refusal of a whole file (every row overlapping). Prints one JSON line per
upload: rows, status, seconds. The issue's target: 10,000 rows applied within 30 s on the reference machine
(figures go to docs/PERFORMANCE.md, not here).
"""

import argparse
import asyncio
import csv
import io
import json
import time
import uuid
from datetime import UTC, date, datetime

from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from ansinh.app import create_app
from ansinh.core import migrate
from ansinh.core.settings import Settings
from ansinh.core.tokens import issue_access_token
from ansinh.employers.models import EmployerMembership
from ansinh.employers.upload import HEADER
from ansinh.identity.models import Account, Person
from ansinh.records.models import Employer

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
MONTH = "2026-11"


def _csv(persons: list[tuple[str, str]], new_every: int, digits: str) -> bytes:
    """The D02-LT file: hires of the registered persons, and every ``new_every``-th row a newcomer."""
    keys = [h.rsplit("(", 1)[1].rstrip(")") for h in HEADER]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n, (si_code, name) in enumerate(persons, start=1):
        cells = {"no": str(n), "salary": "9000000", "from_month": MONTH, "change_type": "TM", "position": "Công nhân"}
        if new_every and n % new_every == 0:
            cells |= {"full_name": f"Người Mới {n}", "date_of_birth": "01/01/2000", "sex": "F"}
            cells["citizen_id"] = f"0013{digits}{n:06d}"
        else:
            cells |= {"si_code": si_code, "full_name": name}
        writer.writerow([cells.get(key, "") for key in keys])
    return buffer.getvalue().encode()


def run_digits(run: str) -> str:
    """Two digits that tell this run's persons from an earlier run's."""
    return str(int(run, 16) % 90 + 10)


async def _setup(url: str, rows: int) -> tuple[str, int, list[tuple[str, str]], str]:
    """One employer, its HR clerk and ``rows`` persons; returns (employer code, HR account id, persons, run id)."""
    run = uuid.uuid4().hex[:6]
    digits = run_digits(run)
    now = datetime.now(UTC)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            code = f"BN{run[:4].upper()}A"
            employer_id = (
                await conn.execute(
                    insert(Employer.__table__)  # type: ignore[attr-defined]
                    .values(code=code, name="Công ty Bench", province_code="01", wage_region="I")
                    .returning(Employer.__table__.c.id)  # type: ignore[attr-defined]
                )
            ).scalar_one()
            account_id = (
                await conn.execute(
                    insert(Account.__table__)  # type: ignore[attr-defined]
                    .values(
                        username=f"hr.bench.{run}",
                        role="employer_staff",
                        status="active",
                        assurance_level="basic",
                        created_at=now,
                    )
                    .returning(Account.__table__.c.id)  # type: ignore[attr-defined]
                )
            ).scalar_one()
            await conn.execute(
                insert(EmployerMembership.__table__),  # type: ignore[attr-defined]
                [{"account_id": account_id, "employer_id": employer_id, "created_at": now}],
            )
            persons = [
                {
                    "si_code": f"97{digits}{n:06d}",
                    "citizen_id": f"0979{digits}{n:06d}",
                    "full_name": f"Công Nhân {n}",
                    "date_of_birth": date(1990, 1, 1),
                    "birth_date_precision": "day",
                    "sex": "M",
                    "province_code": "01",
                    "created_at": now,
                }
                for n in range(rows)
            ]
            await conn.execute(insert(Person.__table__), persons)  # type: ignore[attr-defined]
            found = await conn.execute(
                select(Person.__table__.c.si_code, Person.__table__.c.full_name).where(  # type: ignore[attr-defined]
                    Person.__table__.c.si_code.like(f"97{digits}%")  # type: ignore[attr-defined]
                )
            )
            return code, account_id, [(r[0], r[1]) for r in found.all()], run
    finally:
        await engine.dispose()


async def main_async(url: str, rows: int, new_every: int) -> None:
    """Set up, then time the upload and its refused repeat."""
    code, account_id, persons, run = await _setup(url, rows)
    settings = Settings(env="dev", database_url=url, secret_key=SECRET, public_url="http://localhost:8000")
    token, _ = issue_access_token(
        secret_key=SECRET, issuer=settings.public_url, subject=str(account_id), role="employer_staff"
    )
    body = _csv(persons, new_every, run_digits(run))
    app = create_app(settings)
    async with AsyncTestClient(app=app, timeout=600) as client:
        for attempt in ("apply", "refuse"):
            started = time.perf_counter()
            response = await client.post(
                f"/api/v1/employers/{code}/declarations/upload",
                params={"month": MONTH},
                content=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run}-{attempt}"},
            )
            seconds = time.perf_counter() - started
            print(
                json.dumps(
                    {"upload": attempt, "rows": rows, "status": response.status_code, "seconds": round(seconds, 2)}
                )
            )


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.declarations", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--new-every", type=int, default=10)
    args = parser.parse_args(argv)
    migrate.upgrade(args.database_url)
    asyncio.run(main_async(args.database_url, args.rows, args.new_every))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
