"""Path parameter types shared by the controllers."""

from typing import Annotated

from litestar.params import PathParameter

# Row ids are 64-bit (BIGINT): a larger number can name no row, and sent to the database it fails the driver
# (a 500), so it is refused as invalid input first.
MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID, description="A row id (1 to 2^63 - 1)")]
