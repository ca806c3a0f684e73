"""Clinic client credentials (RFC 6749 §4.4) → short-lived tokens naming the facility."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import ClinicClient
from ansinh.core.credentials import count_attempt, verified_client
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.tokens import CLINIC_TOKEN_TTL, issue_access_token
from ansinh.facilities.models import MedicalFacility


async def issue_clinic_token(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    grant_type: str,
    client_id: str,
    client_secret: str,
    ip: str,
) -> tuple[str, int, str]:
    """Check the facility's credentials; returns (token, lifetime in seconds, facility code)."""
    await count_attempt(store, scope="clinic", grant_type=grant_type, client_id=client_id, ip=ip)
    row = (
        await db.exec(
            select(ClinicClient, MedicalFacility)
            .join(MedicalFacility, ClinicClient.facility_id == MedicalFacility.id)
            .where(ClinicClient.client_id == client_id)
        )
    ).first()
    client, facility = await verified_client(row, client_secret, realm="ansinh-clinic")
    token, expires_in = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=client.client_id,
        role="clinic",
        ttl=CLINIC_TOKEN_TTL,
        extra={"fac": facility.code},
    )
    return token, expires_in, facility.code
