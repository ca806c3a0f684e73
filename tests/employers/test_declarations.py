"""Declarations by JSON and by D02-LT CSV: applied whole or not at all, every problem listed by row and column;
dues computed, payments allocated oldest first, and the citizens' histories derived from the ledger."""

import asyncio
import csv
import io
import zipfile
from datetime import date

import openpyxl
from httpx import Response
from litestar.testing import AsyncTestClient
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.employers.models import Declaration, DeclarationBatch, EmployerDue
from ansinh.employers.service import payment_body
from ansinh.employers.upload import HEADER, XLSX_MEDIA_TYPE
from ansinh.households.provider import SIGNATURE_HEADER, sign
from ansinh.identity.models import Person
from tests.employers.conftest import HR_EMAIL, EmployerSide, bank_pays
from tests.factories import DEFAULT_PASSWORD, make_citizen
from tests.identity.conftest import bearer, sign_in
from tests.records.conftest import token_for
from tests.support.problems import assert_problem

# 2026-10 and 2026-11, region I: minimum 5,310,000, cap 50,600,000. Dues per month are 32 % of the salary
# (21.5 % + 10.5 %), computed per fund and rounded half up.
DUE_10M = 3_200_000
DUE_12M = 3_840_000
DUE_9M = 2_880_000
DUE_8M = 2_560_000


def csv_body(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def row(**cells: str) -> list[str]:
    """A D02-LT row in HEADER's column order."""
    keys = [h.rsplit("(", 1)[1].rstrip(")") for h in HEADER]
    return [cells.get(key, "") for key in keys]


async def declare(client: AsyncTestClient, side: EmployerSide, month: str, lines: list[dict], key: str) -> Response:
    return await client.post(
        f"/api/v1/employers/{side.employer.code}/declarations",
        json={"month": month, "lines": lines},
        headers={**side.hr, "Idempotency-Key": key},
    )


async def upload(client: AsyncTestClient, side: EmployerSide, month: str, body: bytes, key: str) -> Response:
    return await client.post(
        f"/api/v1/employers/{side.employer.code}/declarations/upload",
        params={"month": month},
        content=body,
        headers={**side.hr, "Idempotency-Key": key, "Content-Type": "text/csv"},
    )


async def count(db: AsyncSession, model: type) -> int:
    return (await db.exec(select(func.count()).select_from(model))).one()


async def test_an_hr_clerk_declares_a_month_pays_part_and_the_citizens_see_it(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    x_account, x = await make_citizen(db_session, full_name="Nguyễn Văn Xuân")
    y_account, y = await make_citizen(db_session, full_name="Lê Thị Yến")
    hr = bearer(await sign_in(client, "hr.songhong", DEFAULT_PASSWORD, HR_EMAIL))
    side = EmployerSide(ours.employer, hr, ours.software)

    october = await declare(
        client,
        side,
        "2026-10",
        [
            {
                "kind": "hire",
                "si_code": x.si_code,
                "salary": 9_000_000,
                "allowances": 1_000_000,
                "from_month": "2026-10",
            },
            {"kind": "hire", "si_code": y.si_code, "salary": 8_000_000, "from_month": "2026-10", "position": "Kế toán"},
        ],
        "oct-1",
    )
    assert october.status_code == 201, october.text

    body = csv_body(
        [
            row(
                no="1",
                full_name="Đỗ Minh Khang",
                position="Kỹ sư",
                salary="9.000.000",
                from_month="11/2026",
                change_type="TM",
                date_of_birth="02/03/2001",
                sex="M",
                citizen_id="001201000123",
            ),
            row(
                no="2",
                full_name=x.full_name,
                si_code=x.si_code,
                salary="12,000,000",
                from_month="2026-11",
                change_type="DC",
            ),
            row(
                no="3",
                full_name=y.full_name,
                si_code=y.si_code,
                salary="",
                from_month="2026-11",
                change_type="GH",
                reason="stopped",
            ),
        ]
    )
    november = await upload(client, side, "2026-11", body, "nov-1")
    assert november.status_code == 201, november.text
    lines = november.json()["lines"]
    assert [(line["row"], line["kind"], line["from_month"]) for line in lines] == [
        (1, "hire", "2026-11"),
        (2, "salary", "2026-11"),
        (3, "leave", "2026-11"),
    ]
    new_code = lines[0]["si_code"]
    assert new_code == "0100000001"  # the first SI code handed out in the employer's province (01)
    assert lines[0]["full_name"] == "Đỗ Minh Khang"
    assert (lines[1]["si_code"], lines[2]["si_code"]) == (x.si_code, y.si_code)

    dues = await client.get(f"/api/v1/employers/{ours.employer.code}/dues", params={"month": "2026-11"}, headers=hr)
    assert dues.status_code == 200
    by_code = {d["si_code"]: d for d in dues.json()}
    assert set(by_code) == {new_code, x.si_code}  # Yến left from November: nothing is due for her
    assert (by_code[x.si_code]["salary_base"], by_code[x.si_code]["total"]) == (12_000_000, DUE_12M)
    assert by_code[x.si_code]["funds"]["RS"] == [1_680_000, 960_000]
    assert (by_code[new_code]["salary_base"], by_code[new_code]["total"]) == (9_000_000, DUE_9M)

    # The bank reports a payment covering October in full: it goes to the oldest month first.
    assert await bank_pays(
        client,
        settings,
        code=ours.employer.code,
        amount=DUE_10M + DUE_8M + 1_000_000,
        bank_ref="VCB-1",
        paid_on=date(2026, 11, 20),
    ) == {"status": "recorded"}
    arrears = (await client.get(f"/api/v1/employers/{ours.employer.code}/arrears", headers=hr)).json()
    assert [(m["month"], m["due"], m["paid"], m["owed"]) for m in arrears["months"]] == [
        ("2026-10", DUE_10M + DUE_8M, DUE_10M + DUE_8M, 0),
        ("2026-11", DUE_12M + DUE_9M, 1_000_000, DUE_12M + DUE_9M - 1_000_000),
    ]
    assert arrears["total_owed"] == DUE_12M + DUE_9M - 1_000_000

    x_history = (
        await client.get("/api/v1/me/contributions", headers=await token_for(db_session, settings, x_account))
    ).json()
    assert [
        (p["from_month"], p["to_month"], p["salary_base"], p["status"], p["employer"]["code"])
        for p in x_history["periods"]
    ] == [
        ("2026-11", "2026-11", 12_000_000, "arrears", "TA0101A"),
        ("2026-10", "2026-10", 10_000_000, "paid", "TA0101A"),
    ]
    assert x_history["periods"][1]["employer_amount"] == 2_150_000
    assert x_history["summary"]["employers_owing"] == [
        {"code": "TA0101A", "name": "Công ty TNHH Sông Hồng", "months": ["2026-11"]}
    ]
    y_history = (
        await client.get("/api/v1/me/contributions", headers=await token_for(db_session, settings, y_account))
    ).json()
    assert [(p["from_month"], p["to_month"], p["status"]) for p in y_history["periods"]] == [
        ("2026-10", "2026-10", "paid")
    ]
    assert y_history["summary"]["employers_owing"] == []


async def test_a_retry_with_the_same_key_applies_nothing_twice(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    lines = [{"kind": "hire", "si_code": x.si_code, "salary": 10_000_000, "from_month": "2026-11"}]
    first = await declare(client, ours, "2026-11", lines, "same-key")
    again = await declare(client, ours, "2026-11", lines, "same-key")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert await count(db_session, Declaration) == 1
    other = await declare(client, ours, "2026-11", [{**lines[0], "salary": 11_000_000}], "same-key")
    assert_problem(other, 409, "idempotency-key-reused")
    missing = await client.post(
        f"/api/v1/employers/{ours.employer.code}/declarations",
        json={"month": "2026-11", "lines": lines},
        headers=ours.hr,
    )
    assert_problem(missing, 400, "idempotency-key-required")


async def test_every_bad_row_is_listed_and_nothing_is_applied(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    _, y = await make_citizen(db_session)
    assert (
        await declare(
            client,
            ours,
            "2026-10",
            [{"kind": "hire", "si_code": y.si_code, "salary": 9_000_000, "from_month": "2026-10"}],
            "k0",
        )
    ).status_code == 201
    persons_before = await count(db_session, Person)
    lines = [
        {"kind": "hire", "si_code": "0199999999", "salary": 9_000_000, "from_month": "2026-11"},
        {"kind": "hire", "si_code": x.si_code, "salary": 5_000_000, "from_month": "2026-11"},
        {"kind": "hire", "si_code": x.si_code, "salary": 50_000_000, "allowances": 1_000_000, "from_month": "2026-11"},
        {"kind": "hire", "si_code": x.si_code, "salary": 9_000_000, "from_month": "2027-03"},
        {"kind": "leave", "si_code": x.si_code, "from_month": "2026-09", "reason": "stopped"},
        {"kind": "hire", "si_code": y.si_code, "salary": 9_000_000, "from_month": "2026-11"},
        {
            "kind": "hire",
            "full_name": "Người Mới",
            "date_of_birth": "2000-01-01",
            "sex": "F",
            "citizen_id": "001300000999",
            "salary": 9_000_000,
            "from_month": "2026-11",
        },
        {"kind": "leave", "si_code": y.si_code, "from_month": "2026-11", "reason": "went-fishing"},
    ]
    response = await declare(client, ours, "2026-11", lines, "bad-1")
    body = assert_problem(response, 422, "declaration-rejected")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (1, "si_code", "unknown-si-code"),
        (2, "salary", "below-minimum"),
        (3, "salary", "above-cap"),
        (4, "from_month", "month-too-late"),
        (8, "reason", "bad-reason"),
    ]
    # The rows whose shape is right are then checked against the ledger: the leave before any hire, the second hire.
    fixed = [line for i, line in enumerate(lines, start=1) if i in (5, 6, 7)]
    response = await declare(client, ours, "2026-11", fixed, "bad-2")
    body = assert_problem(response, 422, "declaration-rejected")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (1, "si_code", "not-employed"),
        (2, "si_code", "overlapping"),
    ]
    assert await count(db_session, Person) == persons_before  # the new person of row 3 was not registered
    assert await count(db_session, Declaration) == 1
    assert await count(db_session, DeclarationBatch) == 1
    later = await declare(
        client,
        ours,
        "2026-12",
        [{"kind": "leave", "si_code": y.si_code, "from_month": "2026-08", "reason": "stopped"}],
        "bad-3",
    )
    assert [(e["row"], e["code"]) for e in assert_problem(later, 422, "declaration-rejected")["errors"]] == [
        (1, "leave-before-hire")
    ]


async def test_a_bad_upload_is_refused_with_reasons_by_row_and_column(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    body = csv_body(
        [
            row(full_name=x.full_name, si_code=x.si_code, salary="=1+1", from_month="2026-11", change_type="TM"),
            row(full_name=x.full_name, si_code="12345", salary="9000000", from_month="2026-13", change_type="TM"),
            row(full_name=x.full_name, si_code=x.si_code, salary="9000000", from_month="2026-11", change_type="XX"),
            row(full_name="Someone Else", si_code=x.si_code, salary="9000000", from_month="2026-11", change_type="TM"),
        ]
    )
    body_json = assert_problem(await upload(client, ours, "2026-11", body, "csv-bad"), 422, "declaration-rejected")
    assert [(e["row"], e["column"], e["code"]) for e in body_json["errors"]] == [
        (1, "salary", "bad-number"),
        (2, "from_month", "bad-month"),
        (2, "si_code", "bad-si-code"),
        (3, "change_type", "bad-change-type"),
        (4, "full_name", "name-mismatch"),
    ]
    latin1 = "Họ và tên (full_name),Mã số BHXH (si_code)\r\nNguyễn,0100000001\r\n".encode("utf-16")
    not_utf8 = assert_problem(await upload(client, ours, "2026-11", latin1, "csv-enc"), 422, "declaration-rejected")
    assert [(e["column"], e["code"]) for e in not_utf8["errors"]] == [("file", "not-utf8")]
    no_columns = assert_problem(
        await upload(client, ours, "2026-11", b"a,b\r\n1,2\r\n", "csv-cols"), 422, "declaration-rejected"
    )
    assert {e["column"] for e in no_columns["errors"]} == {"si_code", "salary", "from_month", "change_type"}
    assert await count(db_session, Declaration) == 0


async def test_oversized_and_overlong_uploads_are_refused_without_applying_anything(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    too_big = b"x" * (10 * 1024 * 1024 + 1)
    response = await upload(client, ours, "2026-11", too_big, "csv-big")
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    line = ",".join(row(si_code="0100000001", salary="9000000", from_month="2026-11", change_type="DC")) + "\r\n"
    many = csv_body([]) + (line * 100_001).encode()
    assert len(many) < 10 * 1024 * 1024
    body = assert_problem(await upload(client, ours, "2026-11", many, "csv-many"), 422, "declaration-rejected")
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(100_001, "too-many-rows")]
    assert await count(db_session, Declaration) == 0


async def test_formula_like_text_is_kept_as_text_and_escaped_on_export(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    body = csv_body(
        [
            row(
                full_name='=HYPERLINK("http://evil")',
                position="@SUM(A1)",
                salary="9000000",
                from_month="2026-11",
                change_type="TM",
                date_of_birth="01/01/1999",
                sex="F",
                citizen_id="001199000321",
            ),
        ]
    )
    response = await upload(client, ours, "2026-11", body, "csv-formula")
    assert response.status_code == 201, response.text
    assert response.json()["lines"][0]["full_name"] == '=HYPERLINK("http://evil")'
    position = (await db_session.exec(select(Declaration.position))).one()
    assert position == "@SUM(A1)"
    export = await client.get(
        f"/api/v1/employers/{ours.employer.code}/workers", params={"format": "csv"}, headers=ours.hr
    )
    assert export.status_code == 200
    cells = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert cells[1][1] == '\'=HYPERLINK("http://evil")'


async def test_two_writes_for_one_employer_are_serialised(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    line = [{"kind": "hire", "si_code": x.si_code, "salary": 9_000_000, "from_month": "2026-11"}]
    first, second = await asyncio.gather(
        declare(client, ours, "2026-11", line, "race-a"), declare(client, ours, "2026-11", line, "race-b")
    )
    assert sorted([first.status_code, second.status_code]) == [201, 422]
    loser = first if first.status_code == 422 else second
    assert [e["code"] for e in loser.json()["errors"]] == ["overlapping"]
    assert await count(db_session, EmployerDue) == 1


async def test_each_bank_reference_is_accepted_once_and_only_signed_reports_count(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    await declare(
        client,
        ours,
        "2026-11",
        [{"kind": "hire", "si_code": x.si_code, "salary": 10_000_000, "from_month": "2026-11"}],
        "p-1",
    )
    paid = dict(code=ours.employer.code, amount=1_000_000, bank_ref="BIDV-77", paid_on=date(2026, 12, 1))
    assert await bank_pays(client, settings, **paid) == {"status": "recorded"}
    assert await bank_pays(client, settings, **paid) == {"status": "duplicate"}
    body = payment_body(
        bank_ref="BIDV-78", employer_code=ours.employer.code, amount=5_000_000, paid_on=date(2026, 12, 1)
    )
    forged = sign(body, secret="not-the-secret", timestamp=int(utcnow().timestamp()))
    refused = await client.post("/api/v1/employer-payments/callback", content=body, headers={SIGNATURE_HEADER: forged})
    assert_problem(refused, 401, "invalid-signature")
    arrears = (await client.get(f"/api/v1/employers/{ours.employer.code}/arrears", headers=ours.hr)).json()
    assert [(m["month"], m["paid"], m["owed"]) for m in arrears["months"]] == [
        ("2026-11", 1_000_000, DUE_10M - 1_000_000)
    ]
    assert arrears["interest_rule"] == "Luật BHXH 2024 (41/2024/QH15) Điều 40 khoản 1"


async def test_months_without_contribution_and_a_salary_change_shape_the_dues(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    account, x = await make_citizen(db_session)
    lines = [
        {"kind": "hire", "si_code": x.si_code, "salary": 10_000_000, "from_month": "2026-07"},
        {
            "kind": "suspend",
            "si_code": x.si_code,
            "from_month": "2026-09",
            "to_month": "2026-10",
            "reason": "maternity",
        },
        {"kind": "salary", "si_code": x.si_code, "salary": 12_000_000, "from_month": "2026-11"},
    ]
    assert (await declare(client, ours, "2026-11", lines, "shape")).status_code == 201
    history = (
        await client.get("/api/v1/me/contributions", headers=await token_for(db_session, settings, account))
    ).json()
    assert [(p["from_month"], p["to_month"], p["salary_base"], p["status"]) for p in history["periods"]] == [
        ("2026-11", "2026-11", 12_000_000, "arrears"),
        ("2026-07", "2026-08", 10_000_000, "arrears"),
    ]
    assert history["summary"]["employers_owing"][0]["months"] == ["2026-07", "2026-08", "2026-11"]


def xlsx_body(rows: list[list[object]]) -> bytes:
    """A workbook whose first sheet holds HEADER and ``rows``."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload_xlsx(client: AsyncTestClient, side: EmployerSide, body: bytes, key: str) -> Response:
    return await client.post(
        f"/api/v1/employers/{side.employer.code}/declarations/upload",
        params={"month": "2026-11"},
        content=body,
        headers={**side.hr, "Idempotency-Key": key, "Content-Type": XLSX_MEDIA_TYPE},
    )


async def test_an_xlsx_list_is_read_like_the_csv_and_formulas_stay_text(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    keys = [h.rsplit("(", 1)[1].rstrip(")") for h in HEADER]

    def cells(**values: object) -> list[object]:
        return [values.get(key) for key in keys]

    body = xlsx_body(
        [
            cells(
                no=1,
                full_name=x.full_name,
                si_code=x.si_code,
                position="=1+2",
                salary=9_500_000,
                from_month=date(2026, 11, 1),
                change_type="TM",
            ),
        ]
    )
    response = await upload_xlsx(client, ours, body, "xlsx-ok")
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "xlsx"
    assert [(line["si_code"], line["from_month"]) for line in response.json()["lines"]] == [(x.si_code, "2026-11")]
    assert (await db_session.exec(select(Declaration.position, Declaration.salary))).one() == ("=1+2", 9_500_000)

    bad = xlsx_body([cells(no=1, si_code=x.si_code, salary="=A1*2", from_month="2026-11", change_type="DC")])
    problems = assert_problem(await upload_xlsx(client, ours, bad, "xlsx-bad"), 422, "declaration-rejected")
    assert [(e["row"], e["column"], e["code"]) for e in problems["errors"]] == [(1, "salary", "bad-number")]


async def test_a_workbook_that_expands_past_100_mb_or_is_no_workbook_is_refused(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (100 * 1024 * 1024 + 1))
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    body = assert_problem(await upload_xlsx(client, ours, bomb, "xlsx-bomb"), 422, "declaration-rejected")
    assert [(e["column"], e["code"]) for e in body["errors"]] == [("file", "too-large")]
    junk = assert_problem(
        await upload_xlsx(client, ours, b"PK\x03\x04 not really", "xlsx-junk"), 422, "declaration-rejected"
    )
    assert [(e["column"], e["code"]) for e in junk["errors"]] == [("file", "not-xlsx")]
    assert await count(db_session, Declaration) == 0


async def test_one_newcomer_twice_in_a_list_is_a_problem_not_a_conflict(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    newcomer = {
        "kind": "hire",
        "full_name": "Vũ Thị Mai",
        "date_of_birth": "1999-09-09",
        "sex": "F",
        "citizen_id": "001199000777",
        "salary": 9_000_000,
        "from_month": "2026-11",
    }
    persons_before = await count(db_session, Person)
    response = await declare(client, ours, "2026-11", [newcomer, newcomer], "twice")
    body = assert_problem(response, 422, "declaration-rejected")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [(2, "citizen_id", "overlapping")]
    assert await count(db_session, Person) == persons_before
