"""Clinic client credentials (RFC 6749 §4.4) → short-lived tokens naming the facility."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import ClinicClient
from ansinh.core.errors import DomainError
from ansinh.core.passwords import verify_password
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.tokens import CLINIC_TOKEN_TTL, issue_access_token
from ansinh.facilities.models import MedicalFacility

CLIENT_AUTH_LIMIT = RateLimit(count=20, window=60)


class InvalidClient(DomainError):
    status_code = 401
    slug = "invalid-client"
    title = "Invalid client"
    default_en = "Unknown client or wrong secret."
    default_vi = "Mã máy khách hoặc khóa bí mật không đúng."


class UnsupportedGrant(DomainError):
    status_code = 400
    slug = "unsupported-grant-type"
    title = "Unsupported grant type"
    default_en = "Only grant_type=client_credentials is supported."
    default_vi = "Chỉ hỗ trợ grant_type=client_credentials."


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
    if grant_type != "client_credentials":
        raise UnsupportedGrant(extra={"error": "unsupported_grant_type"})
    await hit(store, f"clinic-auth-ip:{ip}", CLIENT_AUTH_LIMIT)
    await hit(store, f"clinic-auth:{client_id}", CLIENT_AUTH_LIMIT)
    row = (
        await db.exec(
            select(ClinicClient, MedicalFacility)
            .join(MedicalFacility, ClinicClient.facility_id == MedicalFacility.id)
            .where(ClinicClient.client_id == client_id)
        )
    ).first()
    client, facility = row if row else (None, None)
    valid = await verify_password(client.secret_hash if client and client.active else None, client_secret)
    if not valid or facility is None or client is None:
        raise InvalidClient(
            headers={"WWW-Authenticate": 'Basic realm="ansinh-clinic"'}, extra={"error": "invalid_client"}
        )
    token, expires_in = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=client.client_id,
        role="clinic",
        ttl=CLINIC_TOKEN_TTL,
        extra={"fac": facility.code},
    )
    return token, expires_in, facility.code
