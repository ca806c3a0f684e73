"""Visit-record ingest: GIAMDINHHS envelopes posted to `ansinh run` as hospital software posts them, timed.

Usage: python -m bench.scale prepare --people 2000 --database ansinh_bench_ingest
       python -m bench.ingest --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/ansinh_bench_ingest \
           [--envelopes 20] [--visits 100] [--lines 20] [--clients 1] [--max-envelope]

The server is `ansinh run` with production settings and one worker, pinned as ``bench.run`` pins it (the server on
the first core; this client and PostgreSQL's backends on the second). The client signs in to the gateway as the
seed's facility account (01001_BV), then posts ``--envelopes`` envelopes of ``--visits`` visits, each visit XML1 +
XML2 (``--lines`` drug lines) + XML3 (``--lines`` service lines) with the sums right, for people of the bench database
whose card is in force; one envelope of the same shape is sent first to warm the server up, not timed. With
``--clients N`` N envelopes are in flight at once (still one server worker).

Every answer must be 200 with every visit taken and no refusal, and afterwards the database must hold exactly the
visits and lines sent: a refusal is never counted as throughput (exit 1). Reported: visits/s (accepted visits ÷ wall
time of the posts), the envelopes' sizes, the server's CPU (cores busy) and its peak resident memory (VmHWM of the
server process and its children, brought down to the present RSS just before the timed posts).

``--max-envelope`` posts instead one envelope at the limits (1,000 visits, lines added until the decoded envelope is
just under 50 MB) and reports the server's peak memory for it. Figures go to docs/PERFORMANCE.md, not here.
"""

import argparse
import asyncio
import json
import signal
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support import his

from ansinh.core import migrate
from ansinh.core.time import VN_TZ
from ansinh.demo.personas import CLINIC_SECRET, GATEWAY_USERNAME
from ansinh.gateway.qd130 import MAX_ENVELOPE_BYTES, MAX_VISITS
from ansinh.gateway.service import md5_of
from bench import memory
from bench.cpu import Busy
from bench.run import (
    OUT,
    bench_settings,
    cpus,
    free_port,
    hottest_frames,
    postgres_on,
    serve,
    server_env,
    start_profile,
)

FACILITY = "01001"  # the seed's facility of the gateway account 01001_BV
CLAIM_URL = "/api/qd130/guiHoSoXmlQD4750"
FORM = {"content-type": "application/x-www-form-urlencoded"}
# A few real drug and service codes (Ministry of Health lists), cycled through the lines.
DRUGS = (
    ("40.17", "Paracetamol 500mg", "Viên", 525),
    ("40.123", "Amoxicilin 500mg", "Viên", 1300),
    ("40.677", "Omeprazol 20mg", "Viên", 890),
    ("40.521", "Metformin 850mg", "Viên", 640),
    ("40.457", "Amlodipin 5mg", "Viên", 410),
)
SERVICES = (
    ("02.1896", "Khám Nội", "Lần", 42100),
    ("23.0020", "Định lượng Glucose [Máu]", "Lần", 21500),
    ("22.0120", "Tổng phân tích tế bào máu ngoại vi", "Lần", 46200),
    ("18.0001", "Chụp X-quang ngực thẳng", "Lần", 65400),
    ("21.0014", "Điện tim thường", "Lần", 32800),
)


@dataclass(frozen=True, slots=True)
class Patient:
    """A bench person with a card in force, as the facility writes them in XML1."""

    full_name: str
    birth: str  # NGAY_SINH: yyyyMMddHHmm, or yyyy when only the year is on record
    card: str  # MA_THE_BHYT: the 10-digit SI code on the card
    citizen_id: str


async def sample_patients(database_url: str, *, count: int, on: date) -> list[Patient]:
    """Up to ``count`` people whose one live card is active and in force on ``on`` (read only)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """
                        SELECT p.full_name, p.date_of_birth, p.birth_date_precision, p.citizen_id, c.number
                        FROM person p JOIN health_insurance_card c ON c.person_id = p.id
                        WHERE c.status = 'active' AND c.valid_from <= :on AND c.valid_to >= :on
                          AND NOT EXISTS (
                            SELECT 1 FROM health_insurance_card o
                            WHERE o.number = c.number AND o.id <> c.id AND o.status NOT IN ('replaced', 'withdrawn'))
                        ORDER BY p.id
                        LIMIT :count
                        """
                    ),
                    {"on": on, "count": count},
                )
            ).all()
    finally:
        await engine.dispose()
    if not rows:
        raise SystemExit("the database has no people with a card in force: prepare it with bench.scale first")
    return [
        Patient(
            full_name=name,
            birth=f"{born.year:04d}" if precision == "year" else f"{born:%Y%m%d}0000",
            card=number,
            citizen_id=citizen_id,
        )
        for name, born, precision, citizen_id, number in rows
    ]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def drug_lines(visit_key: str, count: int, *, prescribed: str, seed: int = 0) -> list[dict[str, object]]:
    """XML2: ``count`` drug lines, fully in the insurance's scope, 80 % paid by the fund."""
    lines: list[dict[str, object]] = []
    for n in range(1, count + 1):
        code, name, unit, price = DRUGS[(n + seed) % len(DRUGS)]
        quantity = 1 + (7 * n + seed) % 30
        amount = Decimal(quantity * price)
        co_payment = amount / 5
        lines.append(
            {"MA_LK": visit_key, "STT": n, "MA_THUOC": code, "TEN_THUOC": name, "DON_VI_TINH": unit,
             "HAM_LUONG": name.rsplit(" ", 1)[-1], "DUONG_DUNG": "1.01", "LIEU_DUNG": "1 viên x 2 lần/ngày",
             "SO_LUONG": str(quantity), "DON_GIA": str(price), "THANH_TIEN_BV": _money(amount),
             "THANH_TIEN_BH": _money(amount), "PHAM_VI": 1, "TYLE_TT_BH": 100, "MUC_HUONG": 80, "T_BNTT": "0",
             "T_BNCCT": _money(co_payment), "T_BHTT": _money(amount - co_payment), "MA_KHOA": "K01",
             "MA_BAC_SI": "001234/BYT-CCHN", "NGAY_YL": prescribed, "NGAY_TH_YL": prescribed}
        )  # fmt: skip
    return lines


def service_lines(visit_key: str, count: int, *, ordered: str, seed: int = 0) -> list[dict[str, object]]:
    """XML3: ``count`` service lines, fully in the insurance's scope, 80 % paid by the fund."""
    lines: list[dict[str, object]] = []
    for n in range(1, count + 1):
        code, name, unit, price = SERVICES[(n + seed) % len(SERVICES)]
        quantity = 1 + (n + seed) % 2
        amount = Decimal(quantity * price)
        co_payment = amount / 5
        lines.append(
            {"MA_LK": visit_key, "STT": n, "MA_DICH_VU": code, "MA_NHOM": 1, "TEN_DICH_VU": name, "DON_VI_TINH": unit,
             "PHAM_VI": 1, "SO_LUONG": str(quantity), "DON_GIA_BV": str(price), "DON_GIA_BH": str(price),
             "TYLE_TT_DV": 100, "TYLE_TT_BH": 100, "THANH_TIEN_BV": _money(amount), "THANH_TIEN_BH": _money(amount),
             "MUC_HUONG": 80, "T_BNTT": "0", "T_BNCCT": _money(co_payment), "T_BHTT": _money(amount - co_payment),
             "MA_KHOA": "K01", "MA_BAC_SI": "001234/BYT-CCHN", "NGAY_YL": ordered, "NGAY_TH_YL": ordered,
             "NGAY_KQ": ordered}
        )  # fmt: skip
    return lines


def visit(patient: Patient, *, visit_key: str, admitted: datetime, lines: int, seed: int = 0) -> str:
    """One HOSO: XML1 + XML2 (``lines`` drugs) + XML3 (``lines`` services), XML1's sums those of the lines."""
    stamp = f"{admitted:%Y%m%d%H%M}"
    tables = his.claim_tables(
        visit_key=visit_key,
        name=patient.full_name,
        birth=patient.birth,
        card=patient.card,
        citizen_id=patient.citizen_id,
        facility=FACILITY,
        admitted=stamp,
        discharged=f"{admitted + timedelta(hours=2):%Y%m%d%H%M}",
        drugs=drug_lines(visit_key, lines, prescribed=stamp, seed=seed),
        services=service_lines(visit_key, lines, ordered=stamp, seed=seed),
    )
    return his.hoso(tables)


def envelope_form(visits: Sequence[str], *, made_on: date) -> tuple[bytes, int]:
    """The form hospital software posts for ``visits`` (an envelope of them), and the envelope's decoded size."""
    envelope = his.envelope(FACILITY, visits, made_on=f"{made_on:%Y%m%d}").encode()
    return his.form_body(username=GATEWAY_USERNAME, kind="130", facility=FACILITY, file=envelope), len(envelope)


def visit_key(run: str, envelope: int, position: int) -> str:
    """MA_LK of a bench visit: the run, the envelope and the visit's place in it."""
    return f"BENCH-{run}-{envelope:05d}-{position:04d}"


def build_envelopes(
    patients: Sequence[Patient], *, run: str, first: int, count: int, visits: int, lines: int, day: date
) -> list[tuple[bytes, int]]:
    """``count`` envelope forms of ``visits`` visits each (numbered from ``first``), with their decoded sizes."""
    morning = datetime(day.year, day.month, day.day, 7, 0, tzinfo=VN_TZ)
    built = []
    for e in range(first, first + count):
        hosos = [
            visit(
                patients[(e * visits + v) % len(patients)],
                visit_key=visit_key(run, e, v),
                admitted=morning + timedelta(minutes=v),
                lines=lines,
                seed=e + v,
            )
            for v in range(visits)
        ]
        built.append(envelope_form(hosos, made_on=day))
    return built


def lines_for_max_envelope(patients: Sequence[Patient], *, day: date) -> int:
    """Lines per table that bring 1,000 visits as close under the decoded envelope limit as they go."""
    budget = MAX_ENVELOPE_BYTES // MAX_VISITS - 1024  # a little room for the envelope's own elements
    lines = 1
    while True:
        size = len(
            visit(patients[0], visit_key=visit_key("x" * 8, 0, 0), admitted=datetime.now(VN_TZ), lines=lines + 1)
        )
        if size > budget:
            return lines
        lines += 1


# --- the server's side ------------------------------------------------------------------------------------------


def gateway_headers(base: str) -> dict[str, str]:
    """A gateway session of 01001_BV, signed in as HIS does (JSON, the lower-case MD5 of the password)."""
    password = md5_of(CLINIC_SECRET)
    answer = httpx.post(f"{base}/api/token/take", json={"username": GATEWAY_USERNAME, "password": password}, timeout=30)
    body = answer.json()
    if body.get("maKetQua") != "200":
        raise SystemExit(f"gateway sign-in refused: {body}")
    return {
        "accessToken": body["APIKey"]["access_token"],
        "tokenId": body["APIKey"]["id_token"],
        "passwordHash": password,
    }


@dataclass(slots=True)
class Posted:
    """What the server answered to one envelope."""

    status: int
    accepted: int
    refusals: int
    seconds: float
    message: str


async def post_envelopes(
    http: httpx.AsyncClient, headers: dict[str, str], forms: list[bytes], *, clients: int
) -> list[Posted]:
    """Post every form, ``clients`` at a time, each client one after the other; the answers in order of the forms."""
    answers: list[Posted | None] = [None] * len(forms)
    queue = iter(range(len(forms)))

    async def client() -> None:
        for index in queue:  # the iterator is shared: each client takes the next envelope
            started = time.perf_counter()
            response = await http.post(CLAIM_URL, content=forms[index], headers={**headers, **FORM})
            seconds = time.perf_counter() - started
            try:
                body = response.json()
            except ValueError:
                body = {"thongDiep": response.text[:300]}
            answers[index] = Posted(
                status=response.status_code,
                accepted=int(body.get("soHoSoTiepNhan") or 0),
                refusals=len(body.get("dsLoi") or []),
                seconds=seconds,
                message=str(body.get("thongDiep", ""))[:300],
            )

    await asyncio.gather(*(client() for _ in range(clients)))
    return [answer for answer in answers if answer is not None]


async def post_to(base: str, headers: dict[str, str], forms: list[bytes], *, clients: int) -> list[Posted]:
    """``post_envelopes`` to the server at ``base``."""
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        return await post_envelopes(http, headers, forms, clients=clients)


async def stored(database_url: str, run: str) -> tuple[int, int]:
    """(claimed visits, their lines) of this run in the database."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        """
                        SELECT count(DISTINCT v.id), count(l.id)
                        FROM medical_visit v
                        JOIN medical_facility f ON f.id = v.facility_id
                        LEFT JOIN medical_visit_line l ON l.visit_id = v.id
                        WHERE f.code = :facility AND v.visit_key LIKE :keys AND v.status = 'claimed'
                        """
                    ),
                    {"facility": FACILITY, "keys": f"BENCH-{run}-%"},
                )
            ).one()
    finally:
        await engine.dispose()
    return int(row[0]), int(row[1])


def failures(answers: list[Posted], *, visits: int) -> list[str]:
    """Every answer that did not take its whole envelope."""
    return [
        f"envelope {n}: HTTP {a.status}, {a.accepted} of {visits} taken, {a.refusals} refusals: {a.message}"
        for n, a in enumerate(answers)
        if a.status != 200 or a.accepted != visits or a.refusals
    ]


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, build the envelopes, start the server, post, check, report."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a database prepared by bench.scale (it is written to)")
    parser.add_argument("--envelopes", type=int, default=20, help="timed envelopes")
    parser.add_argument("--visits", type=int, default=100, help="visits per envelope")
    parser.add_argument("--lines", type=int, default=20, help="lines of XML2 and of XML3 per visit")
    parser.add_argument("--clients", type=int, default=1, help="envelopes in flight at once")
    parser.add_argument("--max-envelope", action="store_true", help="one envelope at the limits, for peak memory")
    parser.add_argument("--profile", action="store_true", help="py-spy the server during the timed posts")
    parser.add_argument("--label", default=None)
    args = parser.parse_args(argv)
    label = args.label or f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    migrate.upgrade(args.database_url)

    run = uuid.uuid4().hex[:8]
    day = datetime.now(VN_TZ).date() - timedelta(days=1)  # visits of yesterday, on cards in force then
    patients = asyncio.run(sample_patients(args.database_url, count=2000, on=day))
    if args.max_envelope:
        args.envelopes, args.visits, args.clients = 1, MAX_VISITS, 1
        args.lines = lines_for_max_envelope(patients, day=day)
    built_at = time.perf_counter()
    warm_up = build_envelopes(patients, run=run, first=0, count=1, visits=min(args.visits, 100), lines=20, day=day)
    timed = build_envelopes(
        patients, run=run, first=1, count=args.envelopes, visits=args.visits, lines=args.lines, day=day
    )
    build_s = time.perf_counter() - built_at
    forms = [form for form, _ in timed]

    port = free_port()
    settings = bench_settings(args.database_url, public_url=f"http://localhost:{port}")
    server_cores, load_cores = cpus()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "ansinh", "run", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    OUT.mkdir(exist_ok=True)
    with (
        postgres_on(load_cores),
        serve(
            command,
            env=server_env(settings, {}),
            port=port,
            cores=server_cores,
            probe="/health/ready",
            log=OUT / f"{label}-server.log",
        ) as pid,
    ):
        headers = gateway_headers(base)
        warmed = asyncio.run(post_to(base, headers, [warm_up[0][0]], clients=1))
        rss_before = memory.tree_rss_mib(pid)
        peaks_reset = memory.reset_peaks(pid)
        OUT.mkdir(exist_ok=True)
        profile = OUT / f"{label}.stacks"
        spy = start_profile(pid, profile, 3600) if args.profile else None
        with Busy(pid) as busy:
            started = time.perf_counter()
            answers = asyncio.run(post_to(base, headers, forms, clients=args.clients))
            wall = time.perf_counter() - started
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
            spy.wait()
        peak = memory.tree_peak_mib(pid)
        rss_after = memory.tree_rss_mib(pid)
    sent = args.envelopes * args.visits
    visits_stored, lines_stored = asyncio.run(stored(args.database_url, run))
    problems = failures(warmed, visits=min(args.visits, 100)) + failures(answers, visits=args.visits)
    expected_visits = sent + min(args.visits, 100)
    expected_lines = sent * 2 * args.lines + min(args.visits, 100) * 2 * 20
    if (visits_stored, lines_stored) != (expected_visits, expected_lines):
        problems.append(
            f"the database holds {visits_stored} visits and {lines_stored} lines of this run, "
            f"not {expected_visits} and {expected_lines}"
        )
    accepted = sum(a.accepted for a in answers)
    sizes = [size for _, size in timed]
    report: dict[str, Any] = {
        "label": label,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "max-envelope" if args.max_envelope else "throughput",
        "workers": 1,
        "clients": args.clients,
        "envelopes": args.envelopes,
        "visits_per_envelope": args.visits,
        "lines_per_table": args.lines,
        "envelope_decoded_mib": round(max(sizes) / 2**20, 2),
        "form_mib": round(max(len(f) for f in forms) / 2**20, 2),
        "client_build_s": round(build_s, 1),
        "accepted_visits": accepted,
        "wall_s": round(wall, 2),
        "visits_per_s": round(accepted / wall, 1) if wall else None,
        "envelope_s": {
            "min": round(min(a.seconds for a in answers), 2),
            "max": round(max(a.seconds for a in answers), 2),
        },
        "server_busy_cores": None if busy.cores is None else round(busy.cores, 2),
        "server_rss_mib": {"before": round(rss_before), "peak": round(peak), "after": round(rss_after)},
        "peak_since": "the timed posts" if peaks_reset else "the server's start (clear_refs refused)",
        "stored": {"visits": visits_stored, "lines": lines_stored},
        "problems": problems,
        "profile": hottest_frames(profile) if args.profile else [],
    }
    (OUT / f"{label}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
