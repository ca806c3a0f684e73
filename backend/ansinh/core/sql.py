"""Shared column types and the constraint naming convention every table uses."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from ansinh.core.time import utcnow

# Stable constraint names: migrations and error handling name constraints as the models do.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit keys: visits and contribution rows outgrow 2^31.
BigId = BigInteger()
# Money is integer VND; totals of a life's contributions or a hospital stay exceed 2^31.
Money = BigInteger()


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware; a naive one is refused, never guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def id_field() -> Any:
    """An auto-incrementing primary key."""
    return Field(default=None, primary_key=True, sa_type=BigId)


def fk_field(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None) -> Any:
    """A foreign key to ``target`` (``table.column``) with the 64-bit key type."""
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        sa_type=BigId,
        index=index,
        nullable=nullable,
        ondelete=ondelete,
    )


def created_at_field() -> Any:
    """A UTC creation timestamp."""
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


def utc_field(*, nullable: bool = True) -> Any:
    """An optional UTC timestamp."""
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable)


def money_field(*, default: int | None = 0) -> Any:
    """A non-negative integer amount in VND (the CHECK lives in the table's args)."""
    return Field(default=default, sa_type=Money, nullable=default is not None)


def digits_check(column: str, length: int) -> str:
    """CHECK text: ``column`` is exactly ``length`` ASCII digits."""
    return f"length({column}) = {length} AND ltrim({column}, '0123456789') = ''"


def month_check(column: str) -> str:
    """CHECK text: ``column`` is a ``YYYY-MM`` month."""
    return (
        f"length({column}) = 7 AND substr({column}, 5, 1) = '-' "
        f"AND ltrim(substr({column}, 1, 4) || substr({column}, 6, 2), '0123456789') = '' "
        f"AND substr({column}, 6, 2) BETWEEN '01' AND '12'"
    )


def in_check(column: str, values: Any) -> str:
    """Portable CHECK text: ``column`` is one of ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
