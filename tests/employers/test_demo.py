"""The demo's employer: Thăng Long's HR clerk and software sign in, and An's arrears (and the monthly notice of
them) come from its ledger."""

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import add_months, month_of, today_vn
from ansinh.demo.generator import seed_demo
from ansinh.demo.personas import AN, EMPLOYER_CLIENT_ID, EMPLOYER_SECRET, HR_EMAIL, HR_USERNAME
from ansinh.demo.runner import DEMO_PASSWORD
from ansinh.employers import coverage
from ansinh.identity.models import Account
from ansinh.notifications.models import Notification
from ansinh.notifications.service import public
from tests.factories import password_hash
from tests.identity.conftest import bearer, sign_in
from tests.records.conftest import token_for

DUE_18_5M = 5_920_000  # 32 % of 18,500,000, per fund rounded half up


async def test_thang_long_owes_an_s_last_two_months_by_its_ledger(
    client: AsyncTestClient, engine: AsyncEngine, db_session: AsyncSession, settings: Settings
) -> None:
    today = today_vn()
    await seed_demo(
        engine,
        people=40,
        today=today,
        password_hash=password_hash(DEMO_PASSWORD),
        employer_secret_hash=password_hash(EMPLOYER_SECRET),
    )
    last = add_months(month_of(today), -1)
    owed = [add_months(last, -1), last]

    hr = bearer(await sign_in(client, HR_USERNAME, DEMO_PASSWORD, HR_EMAIL))
    employers = (await client.get("/api/v1/employers/", headers=hr)).json()
    assert [(e["code"], e["name"], e["tax_code"]) for e in employers] == [
        ("TA0002A", "Công ty TNHH Công nghệ Thăng Long", "0101234567")
    ]
    arrears = (await client.get("/api/v1/employers/TA0002A/arrears", headers=hr)).json()
    assert [(m["month"], m["due"], m["paid"], m["owed"]) for m in arrears["months"]] == [
        (owed[0], DUE_18_5M, 0, DUE_18_5M),
        (owed[1], DUE_18_5M, 0, DUE_18_5M),
    ]
    dues = (await client.get("/api/v1/employers/TA0002A/dues", params={"month": last}, headers=hr)).json()
    assert [(d["si_code"], d["salary_base"], d["total"]) for d in dues] == [(AN, 18_500_000, DUE_18_5M)]

    form = {"grant_type": "client_credentials", "client_id": EMPLOYER_CLIENT_ID, "client_secret": EMPLOYER_SECRET}
    token = await client.post("/api/v1/employer/token", data=form)
    assert token.status_code == 200
    assert token.json()["employer_code"] == "TA0002A"

    an = (await db_session.exec(select(Account).where(Account.username == AN))).one()
    history = (await client.get("/api/v1/me/contributions", headers=await token_for(db_session, settings, an))).json()
    assert history["summary"]["employers_owing"] == [
        {"code": "TA0002A", "name": "Công ty TNHH Công nghệ Thăng Long", "months": owed}
    ]
    newest = history["periods"][:2]
    assert [(p["from_month"], p["to_month"], p["status"], p["salary_base"]) for p in newest] == [
        (owed[0], owed[1], "arrears", 18_500_000),
        ("2024-01", add_months(last, -2), "paid", 18_500_000),
    ]
    card = await client.get("/api/v1/me/card", headers=await token_for(db_session, settings, an))
    assert card.status_code == 200
    assert card.json()["status"] == "active"

    # The monthly arrears notice of `make run`'s first jobs run, computed from the ledger: 2 months.
    assert await coverage.arrears_notices(db_session, today, settings) >= 1
    notice = (await db_session.exec(select(Notification).where(Notification.person_id == an.person_id))).one()
    assert (notice.kind, notice.params["months"], notice.params["employer"]) == (
        "arrears_found",
        2,
        "Công ty TNHH Công nghệ Thăng Long",
    )
    assert "has not paid 2 months" in public(notice, "en").body
