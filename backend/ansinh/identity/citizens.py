"""Which registry person a signed-in citizen is: the one person whose records every citizen route may show."""

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import Unauthenticated
from ansinh.core.statements import Statement, Statements
from ansinh.identity.models import Account, AccountRole, AccountStatus, Person


async def citizen_person(db: AsyncSession, *, account_id: int) -> Person:
    """The registry person of a citizen account; the only person whose records the caller may see."""
    row = (
        await db.exec(
            select(Person)
            .join(Account, col(Account.person_id) == col(Person.id))
            .where(
                Account.id == account_id, Account.role == AccountRole.CITIZEN, Account.status == AccountStatus.ACTIVE
            )
        )
    ).first()
    if row is None:
        raise Unauthenticated()
    return row


_ACCOUNT = Account.__table__  # type: ignore[attr-defined]
# Asked by nearly every citizen request: built once, run in Core on the connection (no ORM round of work).
_CITIZEN_PERSON_ID = select(_ACCOUNT.c.person_id).where(
    _ACCOUNT.c.id == bindparam("account_id"),
    _ACCOUNT.c.role == AccountRole.CITIZEN.value,
    _ACCOUNT.c.status == AccountStatus.ACTIVE.value,
)


_CITIZEN_PERSON_ID_READ = Statement(_CITIZEN_PERSON_ID)


async def citizen_person_id(db: AsyncSession, *, account_id: int) -> int:
    """The person id of a citizen account (one small query); 401 when the account is gone or disabled."""
    connection = await db.connection()
    return _person_id_or_401((await connection.execute(_CITIZEN_PERSON_ID, {"account_id": account_id})).scalar())


async def read_citizen_person_id(statements: Statements, *, account_id: int) -> int:
    """``citizen_person_id`` as a hot read (core/statements.py), for handlers that hold no session."""
    row = await statements.one(_CITIZEN_PERSON_ID_READ, account_id=account_id)
    return _person_id_or_401(row["person_id"] if row else None)


def _person_id_or_401(person_id: int | None) -> int:
    if person_id is None:
        raise Unauthenticated()
    return int(person_id)
