"""The issue's "done when": the two calls made exactly as public HIS clients make them, against the demo data."""

import hashlib
import json
import time
from types import SimpleNamespace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.checks import RETRY_WINDOW_SECONDS
from ansinh.core import store as store_module
from ansinh.core.settings import Settings
from ansinh.demo.personas import AN, CLINIC_SECRET, GATEWAY_USERNAME, REGISTERED_STAFF
from ansinh.demo.runner import run_seed
from ansinh.identity.models import Person

Client = AsyncTestClient[Litestar]
STAFF_NAME, STAFF_ID = REGISTERED_STAFF[0]


async def test_a_his_signs_in_both_ways_as_01001_bv_and_checks_a_demo_citizen(
    client: Client, db_session: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await run_seed(settings, people=0, seed=2026)
    an = (await db_session.exec(select(Person).where(Person.si_code == AN))).one()
    md5 = hashlib.md5(CLINIC_SECRET.encode()).hexdigest()  # noqa: S324  (the gateway's protocol)
    by_form = await client.post(
        "/api/token/take",
        content=f"username={GATEWAY_USERNAME}&password={md5.upper()}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    by_json = await client.post("/api/token/take", json={"username": GATEWAY_USERNAME, "password": md5})
    assert by_form.json()["maKetQua"] == "200"
    api_key = by_json.json()["APIKey"]
    query = {"token": api_key["access_token"], "id_token": api_key["id_token"], "username": GATEWAY_USERNAME}
    body = {
        "maThe": an.si_code,
        "hoTen": an.full_name,
        "ngaySinh": an.date_of_birth.strftime("%d/%m/%Y"),
        "hoTenCb": STAFF_NAME,
        "cccdCb": STAFF_ID,
    }
    sent = json.dumps(body, ensure_ascii=False).encode()
    url = "/api/egw/KQNhanLichSuKCB2024"
    first = await client.post(
        url, params={**query, "password": md5}, content=sent, headers={"content-type": "text/plain"}
    )
    assert first.status_code == 200
    assert first.json()["maKetQua"] == "000"
    assert first.json()["hoTen"] == an.full_name
    retry = await client.post(url, params={**query, "password": md5.upper()}, content=sent)
    assert retry.json() == first.json()  # within 10 s: a retry, answered as the first and not recorded again
    # The patient's next visit, past the retry window: the check finds the earlier one in the card's check log.
    later = time.monotonic() + RETRY_WINDOW_SECONDS + 1
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: later))
    again = await client.post(url, params={**query, "password": md5.upper()}, content=sent)
    (earlier,) = again.json()["dsLichSuKT2018"]
    assert (earlier["userKT"], earlier["maLoi"]) == (GATEWAY_USERNAME, "000")
