"""Inbox notifications, push subscriptions and per-person notification choices."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import BigId, created_at_field, fk_field, id_field, in_check, utc_field


class NotificationKind(StrEnum):
    ARREARS_FOUND = "arrears_found"  # the employer has not paid last month
    CARD_EXPIRING = "card_expiring"  # the health-insurance card ends within 30 days
    HOUSEHOLD_PAYMENT_DUE = "household_payment_due"
    APPLICATION_STATUS = "application_status"
    CARD_CHECKED = "card_checked"  # a clinic checked the card (only when the citizen opted in)
    NEW_DEVICE_SIGN_IN = "new_device_sign_in"
    VISIT_RECORDED = "visit_recorded"  # a facility recorded a check-in or a claim with the citizen's card
    SALARY_DECLARED = "salary_declared"  # an employer declared the worker's contribution salary for a month
    CONTRIBUTIONS_PAID = "contributions_paid"  # a month's contributions at an employer are fully paid
    EMPLOYMENT_STARTED = "employment_started"  # an employer declared a hire (and a card was issued if needed)
    EMPLOYMENT_ENDED = "employment_ended"  # an employer declared a leave: until when the card runs, what next
    COVERAGE_CHANGED = "coverage_changed"  # the declared coverage ended: the card reported reduced, or moved
    DISPUTE_UPDATE = "dispute_update"  # the facility resubmitted a disputed visit, or answered the dispute
    COPAYMENT_CAP_REACHED = "copayment_cap_reached"  # a year's co-payments passed the cap, 5 years covered
    COPAYMENT_EXEMPT = "copayment_exempt"  # staff recorded the certificate: no co-payment to the year's end


# One inbox entry. ``dedupe_key`` names the event, so the same event can never notify twice.
class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("person_id", "dedupe_key"),
        Index("ix_notification_person_created", "person_id", "created_at"),
        Index("ix_notification_push_pending", "push_state"),
        CheckConstraint(in_check("kind", [k.value for k in NotificationKind]), name="kind_value"),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    kind: str = Field(sa_type=String(24))
    dedupe_key: str = Field(sa_type=String(120))
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    link: str | None = Field(default=None, sa_type=String(120), description="PWA route to open, e.g. #/card")
    created_at: datetime = created_at_field()
    read_at: datetime | None = utc_field()
    push_state: str = Field(default="pending", sa_type=String(8), description="pending, sent, none or failed")
    pushed_at: datetime | None = utc_field()


# A browser's Web Push subscription (RFC 8030 endpoint + RFC 8291 keys) for one person.
class PushSubscription(SQLModel, table=True):
    __tablename__ = "push_subscription"
    __table_args__ = (UniqueConstraint("endpoint"),)

    id: int | None = id_field()
    person_id: int = fk_field("person.id", ondelete="CASCADE")
    endpoint: str = Field(sa_type=Text)
    p256dh: str = Field(sa_type=String(100), description="The browser's ECDH P-256 public key, base64url")
    auth: str = Field(sa_type=String(32), description="The 16-byte auth secret, base64url")
    language: str = Field(default="vi", sa_type=String(2))
    user_agent: str | None = Field(default=None, sa_type=String(255))
    created_at: datetime = created_at_field()
    last_success_at: datetime | None = utc_field()
    failures: int = Field(default=0)


# What a person chose to be told about beyond the defaults (the card-check notice is opt-in).
class NotificationPreference(SQLModel, table=True):
    __tablename__ = "notification_preference"

    person_id: int = Field(primary_key=True, foreign_key="person.id", sa_type=BigId, ondelete="CASCADE")
    card_checked: bool = Field(default=False)
    updated_at: datetime = created_at_field()
