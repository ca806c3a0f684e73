"""Passbook fixtures: a citizen with a known contribution history, other callers, and tokens minted without HTTP."""

import io
from dataclasses import dataclass
from datetime import datetime

import pypdf
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.identity.models import Account, Person
from ansinh.passbooks import service
from ansinh.passbooks.statement import Statement
from tests.factories import bearer_for, clinic_bearer_for, make_citizen, make_clinic_client, make_staff
from tests.records.conftest import add_known_history

HOLDER_NAME = "Đặng Thị Ngọc Hường"
PDF_URL = "/api/v1/me/contributions.pdf"
VERIFY_URL = "/api/v1/passbooks/verify"
KEYS_URL = "/api/v1/passbooks/keys"


@dataclass
class Holder:
    account: Account
    person: Person
    headers: dict[str, str]


@pytest.fixture
async def holder(db_session: AsyncSession, settings: Settings) -> Holder:
    """A citizen with a Vietnamese name and the known history."""
    account, person = await make_citizen(db_session, full_name=HOLDER_NAME)
    await add_known_history(db_session, person.id)  # type: ignore[arg-type]
    return Holder(account, person, bearer_for(settings, account))


@pytest.fixture
async def staff_headers(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    return bearer_for(settings, await make_staff(db_session))


@pytest.fixture
async def clinic_headers(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    client, facility = await make_clinic_client(db_session, code="48001", name="Bệnh viện Đà Nẵng", province_code="48")
    return clinic_bearer_for(settings, client, facility)


async def mint(
    db: AsyncSession,
    settings: Settings,
    person: Person,
    *,
    now: datetime | None = None,
    from_month: str | None = None,
    to_month: str | None = None,
) -> tuple[Statement, str]:
    """A genuine passbook statement and token of ``person``, signed with the key current at ``now``."""
    return await service.signed_statement(
        db, settings=settings, person=person, from_month=from_month, to_month=to_month, now=now
    )


def pdf_text(content: bytes) -> list[str]:
    """The text of every page, as a PDF reader extracts it."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def decoded_qr(content: bytes) -> zxingcpp.Barcode:
    """The one QR code of the first page, read back from the image embedded in the PDF."""
    (image,) = pypdf.PdfReader(io.BytesIO(content)).pages[0].images
    (barcode,) = zxingcpp.read_barcodes(image.image, formats=zxingcpp.BarcodeFormat.QRCode)
    return barcode


async def printed_token(client: AsyncTestClient[Litestar], headers: dict[str, str], **params: str) -> str:
    """The token in the QR of a passbook downloaded through the API."""
    response = await client.get(PDF_URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return decoded_qr(response.content).text.rsplit("/#/verify/", 1)[1]
