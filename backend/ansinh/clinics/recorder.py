"""Scan records written in group commits: concurrent clinic checks share one INSERT and one COMMIT.

A check answers only once its record is committed, so no answered scan is ever lost; while one batch is being
written the next requests queue up and go together in the following one (no timer, no added latency when idle).
A failed batch fails every request in it (nothing of it was committed), and each client may retry.

On PostgreSQL a batch without notices is one statement on the hot connections (core/reads.py): the rows go in as
arrays (``unnest``), in one round trip with no BEGIN and COMMIT. A batch with a notice to write, and SQLite, take a
session and its transaction.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, String, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ansinh.clinics.models import CardCheck
from ansinh.core.batching import Batcher
from ansinh.core.reads import ReadQuery, Reads
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify

MAX_BATCH = 500

# (column, SQL type) of a scan record, in the order of the arrays the single-statement INSERT takes.
_COLUMNS = (
    ("facility_id", BigInteger),
    ("client_id", String),
    ("staff_name", String),
    ("staff_citizen_id", String),
    ("method", String),
    ("result", String),
    ("person_id", BigInteger),
    ("card_id", BigInteger),
    ("token_id", String),
    ("checked_at", DateTime(timezone=True)),
)
# Rows are inserted in the arrays' order and take their ids from the sequence in that order, so the ids, sorted,
# line up with the records (RETURNING itself promises no order).
_INSERT_BATCH_SQL = """
INSERT INTO card_check (
    facility_id, client_id, staff_name, staff_citizen_id, method, result, person_id, card_id, token_id, checked_at
)
SELECT facility_id, client_id, staff_name, staff_citizen_id, method, result, person_id, card_id, token_id, checked_at
FROM unnest(
    :facility_id, :client_id, :staff_name, :staff_citizen_id, :method, :result, :person_id, :card_id, :token_id,
    :checked_at
) WITH ORDINALITY AS batch (
    facility_id, client_id, staff_name, staff_citizen_id, method, result, person_id, card_id, token_id, checked_at,
    position
)
ORDER BY position
RETURNING id
"""
_INSERT_BATCH = ReadQuery(
    text(_INSERT_BATCH_SQL)
    .bindparams(*(bindparam(name, type_=ARRAY(kind)) for name, kind in _COLUMNS))
    .columns(id=BigInteger)  # type: ignore[arg-type]
)


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One check to log, and whether its holder asked to hear of it (the card-check notice)."""

    values: dict[str, Any]  # the card_check columns
    notice_facility: str | None = None  # the facility name for the holder's notice; None: no notice


class CheckRecorder:
    """Writes scan records in batches; ``record`` returns the committed row's id."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], max_batch: int = MAX_BATCH, *, statements: Reads | None = None
    ) -> None:
        """``statements``: the hot connections, where a batch without notices is one statement (PostgreSQL only)."""
        self._sessions = sessions
        self._statements = statements
        self._batcher: Batcher[ScanRecord, int] = Batcher(self._write, max_batch=max_batch)

    @property
    def batches(self) -> int:
        """How many commits wrote ``records`` records: the group commit at work (tests, metrics)."""
        return self._batcher.batches

    @property
    def records(self) -> int:
        return self._batcher.items

    async def record(self, scan: ScanRecord) -> int:
        """Queue the record and wait until it is committed; its id. A client that hangs up meanwhile does not take
        its record out of the batch: it is written all the same."""
        return await self._batcher.submit(scan)

    async def drain(self) -> None:
        """Wait until every queued record is written (at shutdown)."""
        await self._batcher.drain()

    async def _write(self, batch: list[ScanRecord]) -> list[int]:
        if self._statements is not None and all(scan.notice_facility is None for scan in batch):
            arrays = {name: [scan.values[name] for scan in batch] for name, _ in _COLUMNS}
            return sorted(row["id"] for row in await self._statements.all(_INSERT_BATCH, **arrays))
        async with self._sessions() as db:
            connection = await db.connection()
            result = await connection.execute(
                insert(CardCheck).returning(CardCheck.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
                [scan.values for scan in batch],
            )
            ids = [row[0] for row in result.all()]
            for scan, check_id in zip(batch, ids, strict=True):
                if scan.notice_facility is not None:
                    await notify(
                        db,  # type: ignore[arg-type]
                        person_id=scan.values["person_id"],
                        kind=NotificationKind.CARD_CHECKED,
                        dedupe_key=f"card-check:{check_id}",
                        params={"facility": scan.notice_facility, "checked_at": scan.values["checked_at"].isoformat()},
                        link="#/card",
                    )
            await db.commit()
        return ids
