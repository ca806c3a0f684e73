"""A facility's registered checking staff (cán bộ tra cứu): listed, added and removed by the facility's admin."""

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import FacilityAdmin, FacilityStaff
from ansinh.clinics.schemas import StaffCreate, StaffPublic
from ansinh.core.context import RequestContext
from ansinh.core.errors import Conflict, Forbidden, NotFound
from ansinh.identity.audit import record_event


async def admin_facility(db: AsyncSession, *, account_id: int) -> int:
    """The facility the admin account administers; 403 when it administers none."""
    facility_id = (
        await db.exec(select(FacilityAdmin.facility_id).where(FacilityAdmin.account_id == account_id))
    ).first()
    if facility_id is None:
        raise Forbidden("This account administers no facility.", "Tài khoản này không quản trị cơ sở nào.")
    return facility_id


def _public(member: FacilityStaff) -> StaffPublic:
    return StaffPublic(
        id=member.public_id, full_name=member.full_name, citizen_id=member.citizen_id, created_at=member.created_at
    )


async def list_staff(db: AsyncSession, *, account_id: int, limit: int, offset: int) -> tuple[list[StaffPublic], int]:
    """The admin's facility's registered staff, by name."""
    facility_id = await admin_facility(db, account_id=account_id)
    where = FacilityStaff.facility_id == facility_id
    total = (await db.exec(select(func.count()).select_from(FacilityStaff).where(where))).one()
    rows = (
        await db.exec(
            select(FacilityStaff)
            .where(where)
            .order_by(col(FacilityStaff.full_name), col(FacilityStaff.id))
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [_public(member) for member in rows], total


async def add_staff(
    db: AsyncSession, *, account_id: int, data: StaffCreate, context: RequestContext | None
) -> tuple[StaffPublic, int]:
    """Register a staff member (audited); 409 when the citizen ID is already on the list. Returns it and the
    facility's id."""
    facility_id = await admin_facility(db, account_id=account_id)
    member = FacilityStaff(
        public_id=secrets.token_urlsafe(12),
        facility_id=facility_id,
        full_name=" ".join(data.full_name.split()),
        citizen_id=data.citizen_id,
    )
    db.add(member)
    record_event(
        db,
        account_id=account_id,
        kind="facility_staff_added",
        context=context,
        staff_id=member.public_id,
        full_name=member.full_name,
    )
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise Conflict(
            "This citizen ID is already registered at the facility.", "Số CCCD này đã được đăng ký tại cơ sở."
        ) from None
    return _public(member), facility_id


async def remove_staff(db: AsyncSession, *, account_id: int, staff_id: str, context: RequestContext | None) -> int:
    """Take a staff member off the list (audited); 404 for an id of no member of the admin's facility. Returns the
    facility's id."""
    facility_id = await admin_facility(db, account_id=account_id)
    member = (
        await db.exec(
            select(FacilityStaff).where(FacilityStaff.public_id == staff_id, FacilityStaff.facility_id == facility_id)
        )
    ).first()
    if member is None:
        raise NotFound("No such registered staff member.", "Không có cán bộ đã đăng ký này.")
    record_event(
        db,
        account_id=account_id,
        kind="facility_staff_removed",
        context=context,
        staff_id=member.public_id,
        full_name=member.full_name,
    )
    await db.delete(member)
    await db.commit()
    return facility_id
