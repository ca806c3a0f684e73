"""The security-event log (sign-ins, failures, passkeys, passwords, token reuse) that citizens read."""

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.time import utcnow
from ansinh.identity.models import SecurityEvent


def event_values(
    *, account_id: int, kind: str, context: RequestContext | None = None, at: datetime | None = None, **detail: str
) -> dict[str, Any]:
    """The security_event row of an event, column by column (for an ORM object or a Core INSERT alike)."""
    return {
        "account_id": account_id,
        "kind": kind,
        "created_at": at or utcnow(),
        "ip": context.ip if context else None,
        "user_agent": context.user_agent if context else None,
        "detail": detail,
    }


def record_event(
    db: AsyncSession,
    *,
    account_id: int,
    kind: str,
    context: RequestContext | None = None,
    **detail: str,
) -> SecurityEvent:
    """Add an event to the session; the caller's commit writes it with the change it describes."""
    event = SecurityEvent(**event_values(account_id=account_id, kind=kind, context=context, **detail))
    db.add(event)
    return event
