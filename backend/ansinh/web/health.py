"""Liveness and readiness probes for load balancers and orchestrators."""

from litestar import Controller, Response, get
from litestar.datastructures import State

from ansinh.core.db import ping
from ansinh.core.routes import UNCOMPRESSED


class HealthController(Controller):
    """`/health/live` says the process answers; `/health/ready` that the database does too."""

    path = "/health"
    tags = ["health"]

    # A few bytes, never worth compressing: the compression middleware is skipped (docs/PERFORMANCE.md).
    @get("/live", operation_id="healthLive", cache_control=None, opt={UNCOMPRESSED: True})
    async def live(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="healthReady", responses=None)
    async def ready(self, state: State) -> Response[dict[str, str]]:
        """The database answers; 503 otherwise."""
        if await ping(state.engine):
            return Response({"status": "ok", "database": "ok"}, status_code=200)
        return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
