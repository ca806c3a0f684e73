"""docs/passbook.md tells the truth: its snippet verifies a printed passbook; the hash is recomputed from paper."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from litestar import Litestar
from litestar.testing import AsyncTestClient

from ansinh.core.signing import b64url
from ansinh.passbooks.statement import build_statement
from ansinh.records.service import PeriodRow
from tests.passbooks.conftest import KEYS_URL, PDF_URL, Holder, decoded_qr, pdf_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "passbook.md"
# One printed table row, as a PDF reader extracts it (short employer names fit one line).
ROW = re.compile(
    r"^(\d{2})/(\d{4}) – (\d{2})/(\d{4}) (\d+) (.+?) ([\d.]+) ((?:RS|SM|OA|UI|HI)(?: (?:RS|SM|OA|UI|HI))*) "
    r"([\d.]+) ([\d.]+) (Đã đóng|Nợ đóng)$",
    flags=re.MULTILINE,
)


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


def documented_functions() -> dict[str, Any]:
    (code,) = doc_blocks("python")
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102  (our own documentation)
    return namespace


def typed_from_paper(page: str) -> dict[str, Any]:
    """The canonical statement a reader types from the printed Vietnamese page, following the doc only."""

    def number(text: str) -> int:
        return int(text.replace(".", ""))

    def field(label: str) -> str:
        (value,) = re.findall(rf"^{label}: (.+)$", page, flags=re.MULTILINE)
        return value

    day, month, year = field("Ngày sinh").split("/")
    first, last = field("Giai đoạn").split(" – ")
    rows = []
    for m1, y1, m2, y2, months, employer, salary, funds, by_employer, by_employee, status in ROW.findall(page):
        voluntary = employer == "BHXH tự nguyện"
        named = re.fullmatch(r"(.+) \((\w+)\)", employer)
        assert voluntary or named is not None, employer
        rows.append(
            {
                "from": f"{y1}-{m1}",
                "to": f"{y2}-{m2}",
                "employer": None if named is None else {"code": named[2], "name": named[1]},
                "scheme": "voluntary" if voluntary else "compulsory",
                "salary_base": number(salary),
                "funds": funds.split(" "),
                "employer_amount": number(by_employer),
                "employee_amount": number(by_employee),
                "status": "paid" if status == "Đã đóng" else "arrears",
                "months": int(months),
            }
        )
    return {
        "format": "ansinh-passbook-statement/1",
        "si": field("Mã số BHXH"),
        "name": field("Họ và tên"),
        "birth_date": f"{year}-{month}-{day}",
        "period": {"from": "-".join(reversed(first.split("/"))), "to": "-".join(reversed(last.split("/")))},
        "rows": rows,
    }


def test_the_documented_canonical_example_hashes_as_stated_and_as_we_build_it() -> None:
    canonical_example = next(block for block in doc_blocks("json") if '"format"' in block)
    document = json.loads(canonical_example)
    (stated,) = re.findall(r"its hash is\s+`([A-Za-z0-9_-]{43})`", DOC.read_text(encoding="utf-8"))
    assert documented_functions()["statement_sha256"](document) == stated
    (row,) = document["rows"]
    ours = build_statement(
        [
            PeriodRow(
                from_month=row["from"],
                to_month=row["to"],
                scheme=row["scheme"],
                salary_base=row["salary_base"],
                funds=tuple(row["funds"]),
                employer_amount=row["employer_amount"],
                employee_amount=row["employee_amount"],
                status=row["status"],
                employer_code=row["employer"]["code"],
                employer_name=row["employer"]["name"],
                wage_region="I",
            )
        ],
        si_code=document["si"],
        holder_name=document["name"],
        birth_date=document["birth_date"],
        period_from=document["period"]["from"],
        period_to=document["period"]["to"],
    )
    assert ours.sha256() == stated


async def test_the_documented_snippet_verifies_a_printed_passbook_and_its_rows_typed_from_paper(
    client: AsyncTestClient[Litestar], holder: Holder
) -> None:
    functions = documented_functions()
    pdf = (await client.get(PDF_URL, headers=holder.headers)).content
    jwks = (await client.get(KEYS_URL)).json()
    qr_text = decoded_qr(pdf).text
    claims = functions["passbook_claims"](qr_text, jwks)
    (page,) = pdf_text(pdf)
    typed = typed_from_paper(page)
    assert len(typed["rows"]) == 4
    assert functions["statement_sha256"](typed) == claims["sha256"]

    # A reader who mistypes (or a forger who edits) one amount gets another hash.
    typed["rows"][0]["salary_base"] += 1
    assert functions["statement_sha256"](typed) != claims["sha256"]
    header, payload, signature = qr_text.rsplit("/#/verify/", 1)[1].split(".")[1:]
    forged = json.loads(jws.extract_compact(f"{header}.{payload}.{signature}".encode()).payload)
    forged["totals"]["arrears_months"] = 0
    forged_token = f"PB1.{header}.{b64url(json.dumps(forged).encode())}.{signature}"
    with pytest.raises(jws.BadSignatureError):
        functions["passbook_claims"](forged_token, jwks)
