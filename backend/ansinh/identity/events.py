"""A sign-in from a device the account never used before, told to whoever listens (the citizen's inbox).

Identity sits below the domains that act on its events, so it never imports them: ``app.py`` registers the
listeners at start-up (``on_new_device``) and identity calls them in the sign-in's own transaction.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession


@dataclass(frozen=True, slots=True)
class NewDeviceSignIn:
    """A citizen signed in from a device (user agent) none of their earlier sessions used."""

    person_id: int
    session_id: str
    user_agent: str | None
    at: datetime


NewDeviceListener = Callable[[AsyncSession, NewDeviceSignIn], Awaitable[None]]
_listeners: list[NewDeviceListener] = []


def on_new_device(listener: NewDeviceListener) -> None:
    """Call ``listener`` at every new-device sign-in from now on (once, however often it is registered)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def new_device_signed_in(db: AsyncSession, event: NewDeviceSignIn) -> None:
    """Tell every listener, in the caller's transaction."""
    for listener in _listeners:
        await listener(db, event)
