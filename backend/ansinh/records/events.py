"""Visits received from a facility (check-ins or claims, new or sent again), told to whoever listens.

Records sits below the domains that act on them (a dispute of a visit lives in applications), so it never imports
them: ``app.py`` registers the listeners at start-up (``on_visits_stored``) and the gateway's ingest calls them in the
visits' own savepoint, so the visits and what the listeners wrote are kept or refused together.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True, slots=True)
class StoredVisit:
    """A visit written, and the file (submission) that wrote it."""

    visit_id: int
    submission_id: int


@dataclass(frozen=True, slots=True)
class VisitsStored:
    """Files of one facility's request stored as visits (the ingest stores them a chunk at a time)."""

    visits: tuple[StoredVisit, ...]
    receipt: str  # maGiaoDich of the request
    facility: str  # the facility's name


VisitsListener = Callable[[AsyncSession, VisitsStored], Awaitable[None]]
_listeners: list[VisitsListener] = []


def on_visits_stored(listener: VisitsListener) -> None:
    """Call ``listener`` whenever visits are stored from now on (once, however often it is registered)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def visits_stored(db: AsyncSession, event: VisitsStored) -> None:
    """Tell every listener, in the caller's transaction."""
    for listener in _listeners:
        await listener(db, event)
