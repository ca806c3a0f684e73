"""notify(): one inbox row per event, inside the caller's transaction, and a duplicate never spoils it."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.db import session_factory
from ansinh.notifications.models import Notification, NotificationKind, NotificationPreference
from ansinh.notifications.service import notify
from tests.notifications.conftest import Citizen

PARAMS = {"reference": "HS-2026-000001", "kind": "facility_change", "status": "in_review", "reason": None}


async def rows(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(Notification))).one()


async def test_the_same_event_twice_makes_one_row_and_the_transaction_goes_on(
    db_session: AsyncSession, me: Citizen
) -> None:
    person_id = me.person.id
    assert person_id is not None
    first = await notify(
        db_session,
        person_id=person_id,
        kind=NotificationKind.APPLICATION_STATUS,
        dedupe_key="application:1:in_review",
        params=PARAMS,
        link="#/applications/1",
    )
    assert first is not None
    await db_session.commit()
    # The caller's own work before and after the duplicate is kept.
    db_session.add(NotificationPreference(person_id=person_id, card_checked=True))
    again = await notify(
        db_session,
        person_id=person_id,
        kind=NotificationKind.APPLICATION_STATUS,
        dedupe_key="application:1:in_review",
        params=PARAMS,
    )
    assert again is None
    other = await notify(
        db_session,
        person_id=person_id,
        kind=NotificationKind.APPLICATION_STATUS,
        dedupe_key="application:1:approved",
        params={**PARAMS, "status": "approved"},
    )
    assert other is not None
    await db_session.commit()
    assert await rows(db_session) == 2
    assert (await db_session.get(NotificationPreference, person_id)) is not None
    stored = (await db_session.exec(select(Notification).where(Notification.id == first.id))).one()
    assert (stored.push_state, stored.link, stored.params) == ("pending", "#/applications/1", PARAMS)


async def test_notify_does_not_commit(engine: AsyncEngine, db_session: AsyncSession, me: Citizen) -> None:
    assert me.person.id is not None
    await notify(db_session, person_id=me.person.id, kind=NotificationKind.CARD_EXPIRING, dedupe_key="k", params={})
    await db_session.rollback()
    assert await rows(db_session) == 0


async def test_a_duplicate_racing_in_from_another_transaction_leaves_the_callers_transaction_usable(
    engine: AsyncEngine, me: Citizen
) -> None:
    """The existence check misses a row another transaction has not committed yet: the savepoint catches it."""
    person_id = me.person.id
    assert person_id is not None
    factory = session_factory(engine)
    async with factory() as caller, factory() as racer:
        await notify(racer, person_id=person_id, kind=NotificationKind.CARD_EXPIRING, dedupe_key="race", params={})
        await racer.flush()  # holds the unique key, uncommitted
        caller.add(NotificationPreference(person_id=person_id, card_checked=True))
        await caller.flush()
        pending = asyncio.create_task(
            notify(caller, person_id=person_id, kind=NotificationKind.CARD_EXPIRING, dedupe_key="race", params={})
        )
        await asyncio.sleep(0.3)
        assert not pending.done()  # waiting on the racer's uncommitted key
        await racer.commit()
        assert await pending is None
        await caller.commit()  # would fail with "current transaction is aborted" without the savepoint
    async with factory() as check:
        assert await rows(check) == 1
        assert (await check.get(NotificationPreference, person_id)) is not None
