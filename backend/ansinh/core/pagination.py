"""Paging of every collection: its query parameters and one page's query. The envelope is Litestar's
``OffsetPagination``: {"items", "limit", "offset", "total"}."""

from typing import Annotated, Any

from litestar.params import QueryParameter
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

MAX_LIMIT = 100
# 10,000 full pages, far past any citizen's list or the facility registry: more is a probe (2^63 overflowed: a 500).
MAX_OFFSET = 1_000_000

Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT, description="Page size (1–100)")]
Offset = Annotated[int, QueryParameter(name="offset", ge=0, le=MAX_OFFSET, description="Items to skip (0–1,000,000)")]


async def fetch_page(
    db: AsyncSession, query: Any, *, count_from: Any, where: Any, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Run ``query`` restricted by ``where`` for one page, and count every row of ``count_from`` it matches."""
    total = (await db.exec(select(func.count()).select_from(count_from).where(where))).one()
    rows = (await db.exec(query.where(where).limit(limit).offset(offset))).all()
    return list(rows), total
