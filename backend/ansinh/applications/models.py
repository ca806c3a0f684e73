"""Applications a citizen files and staff decide, with their timeline and audit trail."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, fk_field, id_field, in_check


class ApplicationKind(StrEnum):
    CARD_REISSUE = "card_reissue"  # cấp lại thẻ BHYT (lost or damaged)
    FACILITY_CHANGE = "facility_change"  # đổi nơi đăng ký KCB ban đầu
    INFO_CORRECTION = "info_correction"  # điều chỉnh thông tin cá nhân
    VOLUNTARY_REGISTRATION = "voluntary_registration"  # đăng ký BHXH tự nguyện
    VISIT_DISPUTE = "visit_dispute"  # phản ánh lượt khám: "this wasn't me" / "this is wrong"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"  # decided; its effect may wait for a date (a facility change at the quarter's start)
    REJECTED = "rejected"  # final, with a reason
    DONE = "done"  # final: the effect has been applied
    WITHDRAWN = "withdrawn"  # final: the citizen took it back before a decision


OPEN_STATUSES: tuple[str, ...] = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED)
_OPEN_SQL = "status IN ('submitted', 'in_review', 'approved')"


class DisputeGround(StrEnum):
    """What a citizen says about a visit recorded with their card."""

    NOT_ME = "not_me"  # "this wasn't me": the visit did not happen to the card holder
    WRONG = "wrong"  # "this is wrong": it happened, but the record is not right (dates, services, amounts)


class DisputeDecision(StrEnum):
    UPHELD = "upheld"  # the citizen was right (the application reaches ``done``)
    REJECTED = "rejected"  # the record stands (the application is ``rejected``, with the reason)


# One application (hồ sơ). ``request`` holds what the citizen asked for, ``outcome`` what its effect produced.
class ServiceApplication(SQLModel, table=True):
    __tablename__ = "service_application"
    __table_args__ = (
        UniqueConstraint("reference"),
        UniqueConstraint("person_id", "idempotency_key"),
        # One open application of a kind per person: a double tap cannot file two reissues. Disputes are one per
        # visit instead (a citizen may dispute several visits at once).
        Index(
            "uq_service_application_open_kind",
            "person_id",
            "kind",
            unique=True,
            postgresql_where=text(f"{_OPEN_SQL} AND kind <> 'visit_dispute'"),
        ),
        # One open dispute per visit, whoever files it (the holder or the head of their household).
        Index(
            "uq_service_application_open_visit",
            "visit_id",
            unique=True,
            postgresql_where=text(f"{_OPEN_SQL} AND visit_id IS NOT NULL"),
        ),
        Index("ix_service_application_status_created", "status", "created_at"),
        CheckConstraint(in_check("kind", [k.value for k in ApplicationKind]), name="kind_value"),
        CheckConstraint(in_check("status", [s.value for s in ApplicationStatus]), name="status_value"),
    )

    id: int | None = id_field()
    reference: str = Field(sa_type=String(20), description="Reference printed on the receipt (mã hồ sơ)")
    person_id: int = fk_field("person.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(24))
    status: str = Field(default=ApplicationStatus.SUBMITTED, sa_type=String(12))
    request: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    outcome: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reason: str | None = Field(default=None, sa_type=String(500), description="Why it was rejected")
    effective_from: date | None = Field(default=None, description="When an approved change takes effect")
    idempotency_key: str | None = Field(default=None, sa_type=String(64))
    # The visit a dispute is about (set for kind visit_dispute only); the request keeps the version disputed.
    visit_id: int | None = fk_field("medical_visit.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


# A step of an application's timeline; for staff steps also the audit record (who, what, when, before/after).
class ApplicationEvent(SQLModel, table=True):
    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event_application_time", "application_id", "created_at"),)

    id: int | None = id_field()
    application_id: int = fk_field("service_application.id", index=False, ondelete="CASCADE")
    actor_account_id: int | None = fk_field("account.id", nullable=True, index=False, ondelete="SET NULL")
    actor_role: str = Field(sa_type=String(8), description="citizen, staff, facility or system")
    action: str = Field(sa_type=String(16))
    from_status: str | None = Field(default=None, sa_type=String(12))
    to_status: str = Field(sa_type=String(12))
    note: str | None = Field(default=None, sa_type=String(500))
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = created_at_field()
