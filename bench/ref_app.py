"""The bench-only reference: a minimal Litestar app, served with the same server settings as AnSinh
(`uvicorn bench.ref_app:app`).

``POST /verify`` verifies an ES256 JWS with PyJWT: the floor cost of an honest signature check per request.
``GET /health/live`` answers what AnSinh's liveness probe answers, with nothing around it: the ceiling of a bare
Litestar app, which AnSinh's own ceiling is compared with. The public key comes from ``BENCH_REF_PUBLIC_KEY``
(a PEM file).
"""

import os
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from litestar import Litestar, get, post
from litestar.exceptions import ClientException
from litestar.params import JSONBody
from msgspec import Struct

PREFIX = "AS1:"
_PUBLIC_KEY = load_pem_public_key(Path(os.environ["BENCH_REF_PUBLIC_KEY"]).read_bytes())


class Scan(Struct):
    """The scanned QR text."""

    token: str


@post("/verify", status_code=200)
async def verify(data: JSONBody[Scan]) -> dict[str, object]:
    """Verify the token's ES256 signature and expiry; nothing else."""
    try:
        claims = jwt.decode(
            data.token.removeprefix(PREFIX), _PUBLIC_KEY, algorithms=["ES256"], options={"verify_aud": False}
        )
    except jwt.PyJWTError as exc:
        raise ClientException("invalid token") from exc
    return {"valid": True, "card": claims.get("sub")}


@get("/health/live", cache_control=None)
async def live() -> dict[str, str]:
    """The same answer as AnSinh's `/health/live`, with no security headers, request id or access log."""
    return {"status": "ok"}


app = Litestar(route_handlers=[verify, live], openapi_config=None)
