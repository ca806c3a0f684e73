"""My data (Decree 13/2023 personal-data rights): everything AnSinh holds about the caller, as one JSON document.

Fields are listed explicitly per record type (allow-lists, never whole rows), so secrets — password and
refresh-token hashes, WebAuthn handles and keys, staff ID numbers of clinic checks — cannot slip in when
a column is added.
"""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.applications.models import ApplicationEvent, ServiceApplication
from ansinh.cards.models import HealthInsuranceCard, HealthInsuranceCardBase
from ansinh.chipid.models import ChipVerification
from ansinh.clinics.models import CardCheck
from ansinh.core.time import utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.households.models import Household, HouseholdMember, HouseholdMemberBase
from ansinh.identity.citizens import citizen_person
from ansinh.identity.models import Account, AuthSession, Passkey, PersonBase, SecurityEvent
from ansinh.notifications.models import Notification, NotificationPreference, PushSubscription
from ansinh.records.models import (
    Benefit,
    BenefitBase,
    ContributionPeriod,
    ContributionPeriodBase,
    Employer,
    MedicalVisit,
    MedicalVisitBase,
)

EXPORT_VERSION = 1
ACCOUNT_FIELDS = ("username", "role", "status", "assurance_level", "created_at", "password_changed_at")
SESSION_FIELDS = ("created_at", "last_seen_at", "expires_at", "revoked_at", "amr", "user_agent", "ip")
PASSKEY_FIELDS = ("name", "created_at", "last_used_at", "aaguid", "transports", "backed_up")
EVENT_FIELDS = ("kind", "created_at", "ip", "user_agent", "detail")
CHECK_FIELDS = ("checked_at", "method", "result", "staff_name")  # never staff_citizen_id
APPLICATION_FIELDS = (
    "reference", "kind", "status", "request", "outcome", "reason", "effective_from", "created_at", "updated_at"
)  # fmt: skip
STEP_FIELDS = ("to_status", "actor_role", "created_at")  # staff identities and notes stay in the audit trail
NOTIFICATION_FIELDS = ("kind", "params", "link", "created_at", "read_at")
CHIP_FIELDS = ("purpose", "outcome", "failed_check", "checks", "data_groups", "document_last_digits", "created_at")
PUSH_FIELDS = ("language", "user_agent", "created_at", "last_success_at")  # never the endpoint's keys


def _pick(row: Any, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _base_fields(base: type[SQLModel]) -> list[str]:
    return list(base.model_fields)


async def my_data(db: AsyncSession, *, account_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The caller's personal data, records, cards, checks, household membership and account history."""
    person = await citizen_person(db, account_id=account_id)
    account = await db.get(Account, account_id)
    assert account is not None
    assert person.id is not None

    periods = (
        await db.exec(
            select(ContributionPeriod, Employer.code, Employer.name)
            .outerjoin(Employer, col(Employer.id) == col(ContributionPeriod.employer_id))
            .where(ContributionPeriod.person_id == person.id)
            .order_by(col(ContributionPeriod.from_month))
        )
    ).all()
    benefits = (
        await db.exec(select(Benefit).where(Benefit.person_id == person.id).order_by(col(Benefit.period_from)))
    ).all()
    visits = (
        await db.exec(
            select(MedicalVisit, MedicalFacility.code, MedicalFacility.name)
            .join(MedicalFacility, col(MedicalFacility.id) == col(MedicalVisit.facility_id))
            .where(MedicalVisit.person_id == person.id)
            .order_by(col(MedicalVisit.admission_date))
        )
    ).all()
    cards = (
        await db.exec(
            select(HealthInsuranceCard)
            .where(HealthInsuranceCard.person_id == person.id)
            .order_by(col(HealthInsuranceCard.issued_at))
        )
    ).all()
    checks = (
        await db.exec(
            select(CardCheck, MedicalFacility.code, MedicalFacility.name)
            .join(MedicalFacility, col(MedicalFacility.id) == col(CardCheck.facility_id))
            .where(CardCheck.person_id == person.id)
            .order_by(col(CardCheck.checked_at))
        )
    ).all()
    membership = (
        await db.exec(
            select(HouseholdMember, Household.code)
            .join(Household, col(Household.id) == col(HouseholdMember.household_id))
            .where(HouseholdMember.person_id == person.id)
        )
    ).first()
    sessions = (await db.exec(select(AuthSession).where(AuthSession.account_id == account_id))).all()
    passkeys = (await db.exec(select(Passkey).where(Passkey.account_id == account_id))).all()
    events = (
        await db.exec(
            select(SecurityEvent).where(SecurityEvent.account_id == account_id).order_by(col(SecurityEvent.id))
        )
    ).all()
    applications = (
        await db.exec(
            select(ServiceApplication)
            .where(ServiceApplication.person_id == person.id)
            .order_by(col(ServiceApplication.created_at))
        )
    ).all()
    steps = (
        await db.exec(
            select(ApplicationEvent)
            .where(col(ApplicationEvent.application_id).in_([a.id for a in applications]))
            .order_by(col(ApplicationEvent.id))
        )
    ).all()
    notifications = (
        await db.exec(
            select(Notification).where(Notification.person_id == person.id).order_by(col(Notification.created_at))
        )
    ).all()
    subscriptions = (await db.exec(select(PushSubscription).where(PushSubscription.person_id == person.id))).all()
    preference = await db.get(NotificationPreference, person.id)
    chip_checks = (
        await db.exec(
            select(ChipVerification)
            .where(ChipVerification.account_id == account_id)
            .order_by(col(ChipVerification.created_at))
        )
    ).all()

    return {
        "format": "ansinh-my-data",
        "version": EXPORT_VERSION,
        "exported_at": now or utcnow(),
        "person": _pick(person, _base_fields(PersonBase)),
        "account": {
            **_pick(account, ACCOUNT_FIELDS),
            "sessions": [_pick(s, SESSION_FIELDS) for s in sessions],
            "passkeys": [_pick(p, PASSKEY_FIELDS) for p in passkeys],
            "security_events": [_pick(e, EVENT_FIELDS) for e in events],
            "chip_id_verifications": [_pick(c, CHIP_FIELDS) for c in chip_checks],
        },
        "contribution_periods": [
            {**_pick(p, _base_fields(ContributionPeriodBase)), "employer_code": code, "employer_name": name}
            for p, code, name in periods
        ],
        "benefits": [_pick(b, _base_fields(BenefitBase)) for b in benefits],
        "medical_visits": [
            {**_pick(v, _base_fields(MedicalVisitBase)), "facility_code": code, "facility_name": name}
            for v, code, name in visits
        ],
        "health_insurance_cards": [
            {**_pick(c, _base_fields(HealthInsuranceCardBase)), "issued_at": c.issued_at, "revoked_at": c.revoked_at}
            for c in cards
        ],
        "card_checks": [
            {**_pick(c, CHECK_FIELDS), "facility_code": code, "facility_name": name} for c, code, name in checks
        ],
        "household": (
            {"household_code": membership[1], **_pick(membership[0], _base_fields(HouseholdMemberBase))}
            if membership
            else None
        ),
        "applications": [
            {
                **_pick(a, APPLICATION_FIELDS),
                "timeline": [_pick(e, STEP_FIELDS) for e in steps if e.application_id == a.id],
            }
            for a in applications
        ],
        "notifications": [_pick(n, NOTIFICATION_FIELDS) for n in notifications],
        "push_subscriptions": [
            {**_pick(p, PUSH_FIELDS), "push_service": urlsplit(p.endpoint).hostname} for p in subscriptions
        ],
        "notification_preferences": {"card_checked": preference.card_checked if preference else False},
    }
