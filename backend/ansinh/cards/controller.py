"""Card routes: the citizen's card, tokens and QR images; the public JWKS; staff card actions."""

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody, QueryParameter

from ansinh.cards import keys, service
from ansinh.cards.models import CardStatus, DecreaseReason
from ansinh.cards.schemas import (
    CardActionRequest,
    CardActionResult,
    CardDecreaseRequest,
    CardPublic,
    CardTokenPublic,
    CardTokenRequest,
    CoPaymentExemptionRequest,
    CoPaymentExemptionResult,
)
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.routes import hot_get
from ansinh.identity.guards import requires_citizen, requires_staff, verified_caller

NO_STORE = CacheControlHeader(no_store=True, private=True)
CardToken = Annotated[str, QueryParameter(name="token", min_length=1, max_length=4096, description="A card token")]


class CardController(Controller):
    """The signed-in citizen's own card; whatever the request says, only the caller's card is read."""

    path = "/me/card"
    tags = ["cards"]
    guards = [requires_citizen]
    cache_control = NO_STORE

    @hot_get("", operation_id="getCard", compress=False)
    async def card(self, request: Request) -> CardPublic:
        """The current health-insurance card."""
        return await service.own_card(request.app.state.statements, account_id=verified_caller(request).account_id)

    @post("/token", status_code=200, operation_id="createCardToken")
    async def token(self, data: JSONBody[CardTokenRequest], request: Request, db_session: DbSession) -> CardTokenPublic:
        """A signed card token: online (3 minutes) or an offline pass (7 days)."""
        state = request.app.state  # constants, read here rather than resolved as dependencies on the hot path
        return await service.issue_card_token(
            db_session,
            state.statements,
            state.store,
            settings=state.settings,
            account_id=verified_caller(request).account_id,
            kind=data.kind,
            rings=state.key_rings,
        )

    @get("/qr.svg", operation_id="getCardQrSvg", media_type="image/svg+xml")
    async def qr_svg(
        self, token: CardToken, principal: Caller, db_session: DbSession, store: Store, settings: AppSettings
    ) -> Response[bytes]:
        """The QR code (SVG) of a token of the caller's own card."""
        image = await service.own_token_qr(
            db_session, store, settings=settings, account_id=principal.account_id, token=token, image_format="svg"
        )
        return Response(image, media_type="image/svg+xml")

    @get("/qr.png", operation_id="getCardQrPng", media_type="image/png")
    async def qr_png(
        self, token: CardToken, principal: Caller, db_session: DbSession, store: Store, settings: AppSettings
    ) -> Response[bytes]:
        """The QR code (PNG, for printing) of a token of the caller's own card."""
        image = await service.own_token_qr(
            db_session, store, settings=settings, account_id=principal.account_id, token=token, image_format="png"
        )
        return Response(image, media_type="image/png")


class JwksController(Controller):
    """The card-token public keys for offline verification: current, previous and next."""

    path = "/.well-known"
    tags = ["cards"]

    @get(
        "/jwks.json",
        operation_id="getJwks",
        cache_control=CacheControlHeader(public=True, max_age=int(keys.JWKS_MAX_AGE.total_seconds())),
    )
    async def jwks(self, db_session: DbSession, settings: AppSettings) -> Response[dict[str, list[dict[str, str]]]]:
        """The JSON Web Key Set clinics cache (RFC 7517); open to any origin."""
        ring = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret)
        return Response(
            ring.jwks,
            media_type="application/jwk-set+json",
            headers={"Access-Control-Allow-Origin": "*"},
        )


async def _set_status(
    number: str, data: CardActionRequest, principal: Caller, db_session: DbSession, context: Context, status: CardStatus
) -> CardActionResult:
    return await service.set_card_status(
        db_session,
        number=number,
        status=status,
        reason=data.reason,
        staff_account_id=principal.account_id,
        context=context,
    )


class StaffCardController(Controller):
    """Staff actions on cards; each one is audited on the staff account and noticed on the holder's."""

    path = "/staff/cards"
    tags = ["staff"]
    guards = [requires_staff]
    cache_control = NO_STORE

    @post("/{number:str}/reissue", operation_id="reissueCard")
    async def reissue(
        self,
        number: FromPath[str],
        data: JSONBody[CardActionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CardActionResult:
        """Replace the card with a new serial; every token of the old one answers 003/004 with the new card."""
        return await service.reissue_card(
            db_session,
            number=number,
            reason=data.reason,
            staff_account_id=principal.account_id,
            context=request_context,
        )

    @post("/{number:str}/revoke", status_code=200, operation_id="revokeCard")
    async def revoke(
        self,
        number: FromPath[str],
        data: JSONBody[CardActionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CardActionResult:
        """Withdraw the card; its tokens answer 110."""
        return await _set_status(number, data, principal, db_session, request_context, CardStatus.WITHDRAWN)

    @post("/{number:str}/decrease", status_code=200, operation_id="decreaseCard")
    async def decrease(
        self,
        number: FromPath[str],
        data: JSONBody[CardDecreaseRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CardActionResult:
        """Report the card reduced (báo giảm) with its reason; its checks answer 120-124."""
        return await service.set_card_status(
            db_session,
            number=number,
            status=CardStatus.DECREASED,
            decrease_reason=DecreaseReason(data.decrease_reason),
            reason=data.reason,
            staff_account_id=principal.account_id,
            context=request_context,
        )

    @post("/{number:str}/suspend", status_code=200, operation_id="suspendCard")
    async def suspend(
        self,
        number: FromPath[str],
        data: JSONBody[CardActionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CardActionResult:
        """Suspend the card; its tokens answer 920 until it is reinstated."""
        return await _set_status(number, data, principal, db_session, request_context, CardStatus.SUSPENDED)

    @post("/{number:str}/reinstate", status_code=200, operation_id="reinstateCard")
    async def reinstate(
        self,
        number: FromPath[str],
        data: JSONBody[CardActionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CardActionResult:
        """Lift a suspension or a reported decrease."""
        return await _set_status(number, data, principal, db_session, request_context, CardStatus.ACTIVE)

    @post("/{number:str}/co-payment-exemption", status_code=200, operation_id="recordCoPaymentExemption")
    async def co_payment_exemption(
        self,
        number: FromPath[str],
        data: JSONBody[CoPaymentExemptionRequest],
        principal: Caller,
        db_session: DbSession,
        request_context: Context,
    ) -> CoPaymentExemptionResult:
        """Record the certificate of no co-payment for the year (NGAY_MIEN_CCT) with the card; the holder is told."""
        return await service.grant_co_payment_exemption(
            db_session,
            number=number,
            exempt_from=data.exempt_from,
            reason=data.reason,
            staff_account_id=principal.account_id,
            context=request_context,
        )
