"""Passbook routes: the citizen's printable PDF, and the public verifier and keys for printed passbooks."""

from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, QueryParameter

from ansinh.cards.keys import JWKS_MAX_AGE
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.identity.guards import requires_citizen
from ansinh.passbooks import service
from ansinh.passbooks.schemas import PassbookRejected, PassbookVerified, PassbookVerifyRequest

NO_STORE = CacheControlHeader(no_store=True, private=True)
# No max_length here: a bad month is the service's 422 problem, not a generic validation error.
FromMonth = Annotated[str | None, QueryParameter(name="from", description="First month, YYYY-MM")]
ToMonth = Annotated[str | None, QueryParameter(name="to", description="Last month, YYYY-MM")]
Lang = Annotated[Literal["vi", "en"], QueryParameter(name="lang", description="Language of the printed texts")]


class PassbookController(Controller):
    """The passbook: issued to its holder only; verified and its keys fetched by anyone."""

    path = ""
    tags = ["passbook"]

    @get(
        "/me/contributions.pdf",
        guards=[requires_citizen],
        operation_id="getPassbookPdf",
        media_type="application/pdf",
        cache_control=NO_STORE,
    )
    async def passbook_pdf(
        self,
        principal: Caller,
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        lang: Lang = "vi",
        from_month: FromMonth = None,
        to_month: ToMonth = None,
    ) -> Response[bytes]:
        """The caller's contribution history as a printable PDF with a signed, verifiable QR."""
        passbook = await service.issue_passbook(
            db_session,
            store,
            settings=settings,
            account_id=principal.account_id,
            lang=lang,
            from_month=from_month,
            to_month=to_month,
        )
        return Response(
            passbook.content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{passbook.filename}"'},
        )

    @post("/passbooks/verify", status_code=200, operation_id="verifyPassbook", cache_control=NO_STORE)
    async def verify(
        self, data: JSONBody[PassbookVerifyRequest], db_session: DbSession, store: Store, request_context: Context
    ) -> PassbookVerified | PassbookRejected:
        """Whether a printed passbook's QR is genuine, what it states, and whether today's records still agree."""
        return await service.verify_passbook(db_session, store, ip=request_context.ip, text=data.token)

    @get(
        "/passbooks/keys",
        operation_id="getPassbookKeys",
        cache_control=CacheControlHeader(public=True, max_age=int(JWKS_MAX_AGE.total_seconds())),
    )
    async def keys(self, db_session: DbSession) -> Response[dict[str, Any]]:
        """The JWKS (RFC 7517) of every key a passbook may be signed with; open to any origin."""
        return Response(
            await service.verification_jwks(db_session),
            media_type="application/jwk-set+json",
            headers={"Access-Control-Allow-Origin": "*"},
        )
