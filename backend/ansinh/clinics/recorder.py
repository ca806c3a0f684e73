"""Scan records written in group commits: concurrent clinic checks share one INSERT and one COMMIT.

A check answers only once its record is committed, so no answered scan is ever lost; while one batch is being
written the next requests queue up and go together in the following one (no timer, no added latency when idle).
A failed batch fails every request in it (nothing of it was committed), and each client may retry.

A batch without notices is one statement on the hot connections (core/statements.py): the rows go in as one JSON array,
in one round trip with no BEGIN and COMMIT. A batch with a notice to write takes a session and its transaction.

Scans of genuine card tokens go further (``record_token_scan``): one statement reads each card, judges its standing
(``card_standing_sql``), logs the scan and writes the holder's notice when they asked for one, so a QR scan costs one
round trip instead of two (docs/PERFORMANCE.md).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import BigInteger, String, bindparam, insert, literal_column, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ansinh.cards.results import CheckResult, card_standing_sql
from ansinh.clinics.card_reads import CARD_TABLE, card_and_notice_choice
from ansinh.clinics.models import CardCheck
from ansinh.core.batching import Batcher
from ansinh.core.statements import Row, Statement, Statements
from ansinh.core.time import today_vn, utcnow
from ansinh.notifications.models import Notification, NotificationKind
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
# The batch goes in as one JSON array of rows (cheaper to encode than ten typed arrays; docs/PERFORMANCE.md). Rows
# are inserted in the array's order and take their ids from the sequence in that order, so the ids, sorted, line up
# with the records (RETURNING itself promises no order).
_INSERT_BATCH = Statement(
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

# --- the one-statement QR scan (PostgreSQL) -----------------------------------------------------------------------

CARD_CHECK_NOTICE_LINK = "#/card"
CARD_CHECK_NOTICE_KEY = "card-check:"  # + the check's id: the notice's de-duplication key
# What a token scan knows before its card is read: the record's columns but result, person_id and card_id, the
# token's card and its own verdict, and what the holder's notice would say.
_TOKEN_SCAN_COLUMNS = (
    *((name, kind) for name, kind in _COLUMNS if name not in ("result", "person_id", "card_id")),
    ("card_serial", "text"),
    ("card_number", "text"),
    ("token_result", "text"),  # VALID, or TOKEN_EXPIRED (genuine but stale: the card is read, never shown)
    ("today", "date"),  # Vietnam's date at checked_at, which the card's dates are compared with
    ("notice_facility", "text"),
    ("notice_checked_at", "text"),
    ("noticed_at", "timestamptz"),
)
_TOKEN_SCAN_NAMES = ", ".join(name for name, _ in _TOKEN_SCAN_COLUMNS)


def _judge_and_insert() -> Statement:
    card = card_and_notice_choice().where(CARD_TABLE.c.serial == literal_column("batch.card_serial"))
    card_sql = card.compile(dialect=asyncpg_dialect())
    if card_sql.binds:  # inlined below as text: it must carry no parameters of its own
        raise ValueError("the card read of a token scan must not take parameters")
    card_columns = [column.name for column in card.selected_columns]
    standing = card_standing_sql(
        status="card.c_status",
        valid_from="card.c_valid_from",
        valid_to="card.c_valid_to",
        today="batch.today",
        beneficiary_group="card.c_beneficiary_group",
        decrease_reason="card.c_decrease_reason",
    )
    in_force = ", ".join(f"'{code.value}'" for code in CheckResult if code.valid)
    notice_params = "json_build_object('facility', notice_facility, 'checked_at', notice_checked_at)"
    sql = f"""
        WITH batch AS MATERIALIZED (
            SELECT batch.*, nextval(pg_get_serial_sequence('{CardCheck.__tablename__}', 'id')) AS check_id
            FROM ROWS FROM (
                jsonb_to_recordset(CAST(:rows AS jsonb))
                AS ({", ".join(f"{name} {kind}" for name, kind in _TOKEN_SCAN_COLUMNS)})
            ) WITH ORDINALITY AS batch ({_TOKEN_SCAN_NAMES}, position)
        ),
        judged AS MATERIALIZED (
            SELECT batch.*, card.*,
                CASE WHEN card.c_id IS NULL THEN '{CheckResult.NO_SUCH_CARD.value}'
                     WHEN batch.token_result <> '{CheckResult.VALID.value}' THEN batch.token_result
                     ELSE {standing} END AS result
            FROM batch
            LEFT JOIN LATERAL ({card_sql}) AS card ON card.c_number = batch.card_number
        ),
        inserted AS (
            INSERT INTO {CardCheck.__tablename__} (id, {_NAMES})
            SELECT check_id, {_NAMES.replace("person_id", "p_id").replace("card_id", "c_id")}
            FROM judged ORDER BY position
        ),
        noticed AS (
            INSERT INTO {Notification.__tablename__} (person_id, kind, dedupe_key, params, link, created_at, push_state)
            SELECT p_id, '{NotificationKind.CARD_CHECKED.value}', '{CARD_CHECK_NOTICE_KEY}' || check_id,
                {notice_params}, '{CARD_CHECK_NOTICE_LINK}', noticed_at, 'pending'
            FROM judged
            WHERE wants_notice AND result IN ({in_force})
            ON CONFLICT (person_id, dedupe_key) DO NOTHING
        )
        SELECT check_id, result, {", ".join(card_columns)} FROM judged ORDER BY position
        """  # noqa: S608  (names are ours, the rows a bound parameter)
    types = {column.name: column.type for column in card.selected_columns}
    return Statement(
        text(sql).bindparams(bindparam("rows", type_=String)).columns(check_id=BigInteger, result=String, **types)  # type: ignore[arg-type]
    )


_JUDGE_AND_INSERT = _judge_and_insert()


@dataclass(frozen=True, slots=True)
class TokenScan:
    """A scan of a genuine card token, to be judged against the registry and logged in one statement."""

    values: dict[str, Any]  # the card_check columns but result, person_id and card_id
    card_serial: str
    card_number: str
    token_result: CheckResult  # VALID, or TOKEN_EXPIRED
    facility_name: str  # the checking facility, for the holder's notice


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One check to log, and whether its holder asked to hear of it (the card-check notice)."""

    values: dict[str, Any]  # the card_check columns
    notice_facility: str | None = None  # the facility name for the holder's notice; None: no notice


class CheckRecorder:
    """Writes scan records in batches; ``record`` returns the committed row's id."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], max_batch: int = MAX_BATCH, *, statements: Statements
    ) -> None:
        """``statements``: the hot connections, where a batch without notices is one statement."""
        self._sessions = sessions
        self._statements = statements
        self._batcher: Batcher[ScanRecord, int] = Batcher(self._write, max_batch=max_batch, concurrency=2)
        self._token_batcher: Batcher[TokenScan, Row] = Batcher(
            self._judge_and_write, max_batch=max_batch, concurrency=2
        )

    @property
    def batches(self) -> int:
        """How many commits wrote ``records`` records: the group commit at work (tests, metrics)."""
        return self._batcher.batches + self._token_batcher.batches

    @property
    def records(self) -> int:
        return self._batcher.items + self._token_batcher.items

    async def record(self, scan: ScanRecord) -> int:
        """Queue the record and wait until it is committed; its id. A client that hangs up meanwhile does not take
        its record out of the batch: it is written all the same."""
        return await self._batcher.submit(scan)

    async def record_token_scan(self, scan: TokenScan) -> Row:
        """Judge the scanned card and log the scan in one statement, once committed: the row has ``check_id``,
        ``result`` (a ``CheckResult`` code) and the card's columns (all None when no card has the token's serial and
        number)."""
        return await self._token_batcher.submit(scan)

    async def drain(self) -> None:
        """Wait until every queued record is written (at shutdown)."""
        await self._batcher.drain()
        await self._token_batcher.drain()

    async def _judge_and_write(self, batch: list[TokenScan]) -> list[Row]:
        noticed_at = utcnow()
        rows = []
        for scan in batch:
            checked_at: datetime = scan.values["checked_at"]
            rows.append(
                {
                    **scan.values,
                    "card_serial": scan.card_serial,
                    "card_number": scan.card_number,
                    "token_result": scan.token_result.value,
                    "today": today_vn(checked_at),
                    "notice_facility": scan.facility_name,
                    "notice_checked_at": checked_at.isoformat(),
                    "noticed_at": noticed_at,
                }
            )
        return list(await self._statements.all(_JUDGE_AND_INSERT, rows=_ENCODE(rows).decode()))

    async def _write(self, batch: list[ScanRecord]) -> list[int]:
        if all(scan.notice_facility is None for scan in batch):
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
                        dedupe_key=f"{CARD_CHECK_NOTICE_KEY}{check_id}",
                        params={"facility": scan.notice_facility, "checked_at": scan.values["checked_at"].isoformat()},
                        link=CARD_CHECK_NOTICE_LINK,
                    )
            await db.commit()
        return ids
