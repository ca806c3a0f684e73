"""GET /me/contributions.pdf: the holder's own printable passbook, in Vietnamese or English, with a readable QR."""

import io

import pypdf
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import add_months, today_vn
from tests.factories import bearer_for, make_citizen
from tests.passbooks.conftest import HOLDER_NAME, PDF_URL, VERIFY_URL, Holder, decoded_qr, pdf_text
from tests.records.conftest import make_employer, make_period
from tests.support.problems import assert_problem


async def test_the_holder_downloads_a_pdf_with_the_contract_headers(
    client: AsyncTestClient[Litestar], holder: Holder
) -> None:
    response = await client.get(PDF_URL, headers=holder.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "no-store" in response.headers["cache-control"]
    filename = f"ansinh-passbook-{holder.person.si_code}-{today_vn().isoformat()}.pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.content.startswith(b"%PDF-")


async def test_dejavu_is_embedded_so_vietnamese_prints(client: AsyncTestClient[Litestar], holder: Holder) -> None:
    response = await client.get(PDF_URL, headers=holder.headers)
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        (descendant,) = font["/DescendantFonts"]
        descriptor = descendant.get_object()["/FontDescriptor"].get_object()
        embedded.append((str(font["/BaseFont"]), "/FontFile2" in descriptor))
    # Regular and bold, both subset ("ABCDEF+") and embedded (a FontFile2 stream), none left to the reader's fonts.
    assert len(embedded) == 2, embedded
    assert all("+DejaVuSans" in name for name, _ in embedded), embedded
    assert all(has_file for _, has_file in embedded), embedded


async def test_vietnamese_page_shows_holder_period_rows_and_totals(
    client: AsyncTestClient[Litestar], holder: Holder
) -> None:
    response = await client.get(PDF_URL, headers=holder.headers)
    (page,) = pdf_text(response.content)
    assert "SỔ BẢO HIỂM XÃ HỘI — QUÁ TRÌNH ĐÓNG" in page
    assert HOLDER_NAME in page
    assert holder.person.si_code in page
    assert "17/05/1990" in page  # birth date
    assert f"{today_vn():%d/%m/%Y}" in page  # issue date, Vietnam's
    assert "01/2023 – 06/2025" in page  # the whole history by default
    assert "Công ty TNHH Sông Hồng" in page
    assert "BHXH tự nguyện" in page
    assert "10.000.000" in page
    assert "Nợ đóng" in page
    assert "RS 21 · SM 15 · OA 15 · UI 15 · HI 15" in page
    assert "Số tháng nợ đóng: 3" in page
    assert "Quét mã QR" in page


async def test_english_page(client: AsyncTestClient[Litestar], holder: Holder) -> None:
    response = await client.get(PDF_URL, headers=holder.headers, params={"lang": "en"})
    (page,) = pdf_text(response.content)
    assert "SOCIAL INSURANCE PASSBOOK — CONTRIBUTION HISTORY" in page
    assert HOLDER_NAME in page  # names stay as written
    assert "10,000,000" in page
    assert "Voluntary SI" in page
    assert "Arrears" in page
    assert "Months in arrears: 3" in page
    assert "SỔ BẢO HIỂM" not in page


async def test_the_qr_decodes_to_the_verify_url_of_a_genuine_passbook(
    client: AsyncTestClient[Litestar], holder: Holder, settings: Settings
) -> None:
    response = await client.get(PDF_URL, headers=holder.headers, params={"from": "2024-01", "to": "2024-12"})
    barcode = decoded_qr(response.content)
    assert barcode.ec_level == "M"
    # Version 19 (93 modules) for a typical name at localhost; printed 55 mm wide with its quiet zone.
    assert 15 <= int(barcode.extra["Version"]) <= 22, barcode.extra
    prefix = f"{settings.public_url}/#/verify/PB1."
    assert barcode.text.startswith(prefix)
    verified = (await client.post(VERIFY_URL, json={"token": barcode.text})).json()
    assert verified["valid"] is True
    assert verified["si_code"] == holder.person.si_code
    assert verified["holder_name"] == HOLDER_NAME
    assert verified["period"] == {"from": "2024-01", "to": "2024-12"}
    twelve = {"RS": 12, "SM": 12, "OA": 12, "UI": 12, "HI": 12}
    assert verified["totals"] == {"paid_months": twelve, "arrears_months": 0}
    assert verified["matches_current_records"] is True
    # The window is the printed one: nothing outside 2024.
    (page,) = pdf_text(response.content)
    assert "Công ty CP Bến Thành" not in page
    assert "01/2024 – 12/2024" in page


async def test_blank_months_mean_the_whole_history(client: AsyncTestClient[Litestar], holder: Holder) -> None:
    response = await client.get(PDF_URL, headers=holder.headers, params={"from": "", "to": ""})
    assert response.status_code == 200, response.text
    (page,) = pdf_text(response.content)
    assert "Giai đoạn: 01/2023 – 06/2025" in page


async def test_only_the_callers_own_history_is_printed(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    account, other = await make_citizen(db_session, full_name="Phạm Văn Đức")
    employer = await make_employer(db_session, name="Công ty Của Người Khác")
    await make_period(db_session, other.id, employer_id=employer.id, from_month="2010-01", to_month="2010-12")
    response = await client.get(PDF_URL, headers=bearer_for(settings, account))
    (page,) = pdf_text(response.content)
    assert "Phạm Văn Đức" in page
    assert "Công ty Của Người Khác" in page
    assert HOLDER_NAME not in page
    assert "Sông Hồng" not in page
    assert other.si_code in response.headers["content-disposition"]


async def test_long_history_paginates_with_repeated_headers(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    account, person = await make_citizen(db_session, full_name="Lê Thị Thu Hà")
    employer = await make_employer(db_session, name="Công ty Cổ phần Dệt May Hà Nội")
    month = "2000-01"
    for i in range(90):  # one row per salary change, as a long career has
        await make_period(
            db_session,
            person.id,
            employer_id=employer.id,
            from_month=month,
            to_month=add_months(month, 2),
            salary_base=3_000_000 + i * 100_000,
        )
        month = add_months(month, 3)
    response = await client.get(PDF_URL, headers=bearer_for(settings, account))
    pages = pdf_text(response.content)
    assert len(pages) > 1
    for page in pages:
        assert "SỔ BẢO HIỂM XÃ HỘI — QUÁ TRÌNH ĐÓNG" in page  # page header
        assert "Lê Thị Thu Hà" in page
        assert "Mức lương" in page  # table headings
        assert f"/{len(pages)}" in page  # page x of n
    assert "11.900.000" in pages[-1]  # the last row made it in
    assert "01/2000 – 03/2000" in pages[0]


async def test_no_history_prints_an_empty_statement(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session)
    response = await client.get(PDF_URL, headers=bearer_for(settings, account))
    assert response.status_code == 200
    (page,) = pdf_text(response.content)
    assert "Không có quá trình đóng trong giai đoạn này." in page
    assert "RS 0 · SM 0 · OA 0 · UI 0 · HI 0" in page


@pytest.mark.parametrize(
    "params",
    [{"from": "2024-13"}, {"to": "24-01"}, {"from": "2025-01", "to": "2024-12"}, {"from": "2024-01-01"}],
)
async def test_bad_months_are_a_422_problem(
    client: AsyncTestClient[Litestar], holder: Holder, params: dict[str, str]
) -> None:
    response = await client.get(PDF_URL, headers=holder.headers, params=params)
    assert_problem(response, 422, "invalid-period")


async def test_unauthenticated_is_401(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.get(PDF_URL), 401, "unauthenticated")


async def test_staff_and_clinics_are_refused(
    client: AsyncTestClient[Litestar], staff_headers: dict[str, str], clinic_headers: dict[str, str]
) -> None:
    assert_problem(await client.get(PDF_URL, headers=staff_headers), 403, "forbidden")
    assert_problem(await client.get(PDF_URL, headers=clinic_headers), 403, "forbidden")


async def test_an_unknown_language_is_a_400_problem(client: AsyncTestClient[Litestar], holder: Holder) -> None:
    assert_problem(await client.get(PDF_URL, headers=holder.headers, params={"lang": "fr"}), 400, "invalid-request")


async def test_downloads_are_rate_limited_per_account(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings, holder: Holder
) -> None:
    for _ in range(10):
        assert (await client.get(PDF_URL, headers=holder.headers, params={"from": "2024-01"})).status_code == 200
    refused = await client.get(PDF_URL, headers=holder.headers)
    assert_problem(refused, 429, "too-many-requests")
    assert int(refused.headers["retry-after"]) >= 1
    # Another citizen is not held back by the first one's downloads.
    account, _ = await make_citizen(db_session)
    assert (await client.get(PDF_URL, headers=bearer_for(settings, account))).status_code == 200
