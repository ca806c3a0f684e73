"""The citizen's own data export (Decree 13/2023 on personal data protection)."""

from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader

from ansinh.core.deps import Caller, DbSession
from ansinh.core.time import today_vn
from ansinh.exports import service as export
from ansinh.identity.guards import requires_citizen


class MyDataController(Controller):
    """The citizen's right to a copy of their data (Decree 13/2023)."""

    path = "/me"
    tags = ["my data"]
    guards = [requires_citizen]

    @get("/export", operation_id="exportMyData", cache_control=CacheControlHeader(no_store=True, private=True))
    async def export(self, principal: Caller, db_session: DbSession) -> Response[dict[str, Any]]:
        """Everything AnSinh holds about the caller, as a JSON download."""
        document = await export.my_data(db_session, account_id=principal.account_id)
        filename = f"ansinh-my-data-{today_vn():%Y%m%d}.json"
        return Response(document, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
