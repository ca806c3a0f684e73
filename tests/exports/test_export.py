"""My data: a citizen downloads everything AnSinh holds about them — theirs only, and no secrets."""

import json

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.signing import b64url
from ansinh.demo.personas import AN, CLINIC_CLIENT_ID, CLINIC_SECRET
from ansinh.demo.runner import run_seed
from ansinh.identity.models import Account
from tests.factories import bearer_for

Client = AsyncTestClient[Litestar]
SECRET_COLUMNS = ("password_hash", "webauthn_user_id", "token_hash", "private_key_sealed", "staff_citizen_id")


async def test_an_exports_his_records_cards_checks_and_household(
    client: Client, db_session: AsyncSession, settings: Settings
) -> None:
    await run_seed(settings, people=0, seed=2026)
    an = (await db_session.exec(select(Account).where(Account.username == AN))).one()
    headers = bearer_for(settings, an)
    # A clinic checks his card first, so the export has a receipt to show.
    clinic = await client.post(
        "/api/v1/clinic/token",
        data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
    )
    token = (await client.post("/api/v1/me/card/token", json={"kind": "online"}, headers=headers)).json()["token"]
    checked = await client.post(
        "/api/v1/clinic/verify",
        json={"token": token, "staff_name": "Trần Văn Bình", "staff_citizen_id": "001090012345"},
        headers={"Authorization": f"Bearer {clinic.json()['access_token']}"},
    )
    assert checked.json()["result"] == "000"

    response = await client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="ansinh-my-data-')
    assert response.headers["cache-control"] == "no-store, private"
    data = response.json()
    assert (data["format"], data["version"]) == ("ansinh-my-data", 1)
    assert (data["person"]["si_code"], data["person"]["citizen_id"]) == (AN, "001084000001")
    assert data["account"]["username"] == AN

    contributions = (await client.get("/api/v1/me/contributions", headers=headers)).json()
    assert len(data["contribution_periods"]) == len(contributions["periods"])
    visits = (await client.get("/api/v1/me/medical-visits", params={"limit": 100}, headers=headers)).json()
    assert len(data["medical_visits"]) == visits["total"]
    benefits = (await client.get("/api/v1/me/benefits", headers=headers)).json()
    assert len(data["benefits"]) == benefits["total"]
    assert [c["number"] for c in data["health_insurance_cards"]] == [AN]
    assert [(c["facility_code"], c["result"], c["staff_name"]) for c in data["card_checks"]] == [
        ("01001", "000", "Trần Văn Bình")
    ]
    assert (data["household"]["household_code"], data["household"]["relation"]) == (f"HGD{AN}", "head")

    text = json.dumps(data, ensure_ascii=False)
    for column in SECRET_COLUMNS:
        assert column not in text
    assert "001190000123" not in text  # the checking staff member's ID number
    assert "Trần Thị Lan" not in text  # his wife's data is hers


async def test_the_export_needs_a_citizen(client: Client) -> None:
    assert (await client.get("/api/v1/me/export")).status_code == 401


async def test_the_export_holds_applications_notices_and_push_devices_but_not_push_keys(
    client: Client, db_session: AsyncSession, settings: Settings
) -> None:
    await run_seed(settings, people=0, seed=2026)
    an = (await db_session.exec(select(Account).where(Account.username == AN))).one()
    headers = bearer_for(settings, an)
    filed = await client.post(
        "/api/v1/me/applications", json={"kind": "card_reissue", "details": {"reason": "lost"}}, headers=headers
    )
    assert filed.status_code == 201, filed.text
    browser_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    p256dh = b64url(browser_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    auth = b64url(b"sixteen byte key")
    subscribed = await client.post(
        "/api/v1/me/push-subscriptions",
        json={
            "endpoint": "https://push.example.net/send/abc123",
            "keys": {"p256dh": p256dh, "auth": auth},
            "language": "vi",
        },
        headers=headers,
    )
    assert subscribed.status_code == 201, subscribed.text

    data = (await client.get("/api/v1/me/export", headers=headers)).json()
    [application] = data["applications"]
    assert (application["reference"], application["status"]) == (filed.json()["reference"], "submitted")
    assert [step["to_status"] for step in application["timeline"]] == ["submitted"]
    assert [n["params"]["reference"] for n in data["notifications"] if n["kind"] == "application_status"] == [
        application["reference"]
    ]
    assert data["push_subscriptions"][0]["push_service"] == "push.example.net"
    assert data["notification_preferences"] == {"card_checked": False}
    text = json.dumps(data)
    assert p256dh not in text
    assert auth not in text
    assert "abc123" not in text
