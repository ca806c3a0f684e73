"""The security-event log (sign-ins, failures, passkeys, passwords, token reuse) that citizens read."""

from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.identity.models import SecurityEvent


def record_event(
    db: AsyncSession,
    *,
    account_id: int,
    kind: str,
    context: RequestContext | None = None,
    **detail: str,
) -> SecurityEvent:
    """Add an event to the session; the caller's commit writes it with the change it describes."""
    event = SecurityEvent(
        account_id=account_id,
        kind=kind,
        ip=context.ip if context else None,
        user_agent=context.user_agent if context else None,
        detail=detail,
    )
    db.add(event)
    return event
