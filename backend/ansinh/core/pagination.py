"""The one list envelope every collection uses: {"items", "total", "limit", "offset"}."""

from typing import Annotated, Generic, TypeVar

from litestar.params import QueryParameter
from pydantic import BaseModel

MAX_LIMIT = 100

Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT, description="Page size (1–100)")]
Offset = Annotated[int, QueryParameter(name="offset", ge=0, description="Items to skip")]


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of ``items`` out of ``total``."""

    items: list[T]
    total: int
    limit: int
    offset: int
