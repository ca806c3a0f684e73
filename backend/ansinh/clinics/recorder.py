"""Scan records written in group commits: concurrent clinic checks share one INSERT and one COMMIT.

A check answers only once its record is committed, so no answered scan is ever lost; while one batch is being
written the next requests queue up and go together in the following one (no timer, no added latency when idle).
A failed batch fails every request in it (nothing of it was committed), and each client may retry.

On PostgreSQL a batch without notices is one statement on the hot connections (core/reads.py): the rows go in as
one JSON array, in one round trip with no BEGIN and COMMIT. A batch with a notice to write, and SQLite, take a
session and its transaction.
"""

from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import BigInteger, String, bindparam, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ansinh.clinics.models import CardCheck
from ansinh.core.batching import Batcher
from ansinh.core.reads import ReadQuery, Reads
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify

MAX_BATCH = 500

# The columns of a scan record, with the types the one-statement INSERT reads them as from its JSON rows.
_COLUMNS = (
    ("facility_id", "bigint"),
    ("client_id", "text"),
    ("staff_name", "text"),
    ("staff_citizen_id", "text"),
    ("method", "text"),
    ("result", "text"),
    ("person_id", "bigint"),
    ("card_id", "bigint"),
    ("token_id", "text"),
    ("checked_at", "timestamptz"),
)
_NAMES = ", ".join(name for name, _ in _COLUMNS)
# The batch goes in as one JSON array of rows (cheaper to send than ten typed arrays: ~120 µs of CPU for 16 rows
# instead of ~220). Rows are inserted in the array's order and take their ids from the sequence in that order, so
# the ids, sorted, line up with the records (RETURNING itself promises no order).
_INSERT_BATCH = ReadQuery(
    text(
        f"""
        INSERT INTO card_check ({_NAMES})
        SELECT {_NAMES}
        FROM ROWS FROM (
            jsonb_to_recordset(CAST(:rows AS jsonb)) AS ({", ".join(f"{name} {kind}" for name, kind in _COLUMNS)})
        ) WITH ORDINALITY AS batch ({_NAMES}, position)
        ORDER BY position
        RETURNING id
        """  # noqa: S608  (column names are ours, the rows a bound parameter)
    )
    .bindparams(bindparam("rows", type_=String))
    .columns(id=BigInteger)  # type: ignore[arg-type]
)
_ENCODE = msgspec.json.Encoder().encode


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
        self._batcher: Batcher[ScanRecord, int] = Batcher(self._write, max_batch=max_batch, concurrency=2)

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
            rows = _ENCODE([scan.values for scan in batch]).decode()
            return sorted(row["id"] for row in await self._statements.all(_INSERT_BATCH, rows=rows))
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
