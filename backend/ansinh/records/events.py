"""A visit received from a facility (check-in or claim, new or sent again), told to whoever listens.

Records sits below the domains that act on it (a dispute of the visit lives in applications), so it never imports
them: ``app.py`` registers the listeners at start-up (``on_visit_stored``) and the gateway's ingest calls them in the
visit's own savepoint, so a visit and what its listeners wrote are kept or refused together.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True, slots=True)
class VisitStored:
    """A facility's file was stored as a visit: its ids, the request's receipt (maGiaoDich) and the facility."""

    visit_id: int
    submission_id: int
    receipt: str
    facility: str


VisitListener = Callable[[AsyncSession, VisitStored], Awaitable[None]]
_listeners: list[VisitListener] = []


def on_visit_stored(listener: VisitListener) -> None:
    """Call ``listener`` for every visit stored from now on (once, however often it is registered)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def visit_stored(db: AsyncSession, event: VisitStored) -> None:
    """Tell every listener, in the caller's transaction."""
    for listener in _listeners:
        await listener(db, event)
