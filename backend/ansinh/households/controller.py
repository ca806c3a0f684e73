"""Household routes: the household, members and consent, quotes, payments, the audit trail and provider callbacks."""

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.pagination import OffsetPagination
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from ansinh.cards.schemas import CardPublic
from ansinh.cards.service import card_of_person
from ansinh.core.deps import AppSettings, Caller, DbSession
from ansinh.core.errors import InvalidInput
from ansinh.core.pagination import Limit, Offset
from ansinh.core.params import RowId
from ansinh.core.time import utcnow
from ansinh.households import billing, service
from ansinh.households.provider import SIGNATURE_HEADER, callback_body, sign
from ansinh.households.schemas import (
    HouseholdCreate,
    HouseholdEventPublic,
    HouseholdPublic,
    InvitationPublic,
    MemberAdd,
    MemberPublic,
    PaymentCreate,
    PaymentPublic,
    QuotePublic,
    SimulatedOutcome,
)
from ansinh.identity.guards import requires_citizen
from ansinh.records.schemas import MedicalVisitPublic
from ansinh.records.visits import visits_page

NO_STORE = CacheControlHeader(no_store=True, private=True)
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", required=False, description="1–64 characters, one per payment")
]
Months = Annotated[int, QueryParameter(name="months", description="3, 6 or 12")]
MemberIds = Annotated[
    list[str] | None,
    QueryParameter(name="member_ids", description="Member ids (repeated or comma-separated); default all who need it"),
]


def parse_member_ids(values: list[str] | None) -> list[int] | None:
    """``member_ids=1,2`` or ``member_ids=1&member_ids=2`` → [1, 2]; 400 on anything else."""
    if not values:
        return None
    try:
        ids = [int(part) for value in values for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidInput("member_ids must be member ids (integers).", "member_ids phải là mã thành viên.") from exc
    return ids or None


def check_months(months: int) -> int:
    if months not in (3, 6, 12):
        raise InvalidInput(
            "Household HI is paid for 3, 6 or 12 months.", "BHYT hộ gia đình đóng theo 3, 6 hoặc 12 tháng."
        )
    return months


class HouseholdController(Controller):
    """The caller's household; only its head may change it or pay."""

    path = "/households"
    tags = ["households"]
    guards = [requires_citizen]
    cache_control = NO_STORE

    @post("", operation_id="createHousehold")
    async def create(
        self, data: JSONBody[HouseholdCreate], principal: Caller, db_session: DbSession
    ) -> HouseholdPublic:
        """Register a household with the caller as its head."""
        return await service.create_household(db_session, account_id=principal.account_id, address=data.address)

    @get("/mine", operation_id="getHousehold")
    async def mine(self, principal: Caller, db_session: DbSession) -> HouseholdPublic:
        """The household: every member for the head; the head and oneself for other members."""
        return await service.household_view(db_session, account_id=principal.account_id)

    @post("/mine/members", operation_id="addHouseholdMember")
    async def add_member(self, data: JSONBody[MemberAdd], principal: Caller, db_session: DbSession) -> MemberPublic:
        """Add a registered person (identity and birth date must match); adults are invited to consent."""
        return await service.add_member(db_session, account_id=principal.account_id, request=data)

    @delete("/mine/members/{member_id:int}", operation_id="removeHouseholdMember")
    async def remove_member(self, member_id: RowId, principal: Caller, db_session: DbSession) -> None:
        """Remove a member (not the head)."""
        await service.remove_member(db_session, account_id=principal.account_id, member_id=member_id)

    @get("/mine/members/{member_id:int}/card", operation_id="getHouseholdMemberCard")
    async def member_card(self, member_id: RowId, principal: Caller, db_session: DbSession) -> CardPublic:
        """A member's card, for the head, once the member consented (or needs not)."""
        person_id = await service.member_card_owner(db_session, account_id=principal.account_id, member_id=member_id)
        return await card_of_person(db_session, person_id=person_id)

    @get("/mine/members/{member_id:int}/medical-visits", operation_id="listHouseholdMemberVisits")
    async def member_visits(
        self, member_id: RowId, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[MedicalVisitPublic]:
        """A member's visits, newest first, for the head, once the member consented (or needs not)."""
        person_id = await service.member_card_owner(db_session, account_id=principal.account_id, member_id=member_id)
        items, total = await visits_page(db_session, person_id=person_id, limit=limit, offset=offset)
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)

    @post("/mine/leave", status_code=204, operation_id="leaveHousehold")
    async def leave(self, principal: Caller, db_session: DbSession) -> None:
        """Leave the household (any member but the head)."""
        await service.leave_household(db_session, account_id=principal.account_id)

    @post("/mine/consent/withdraw", status_code=204, operation_id="withdrawHouseholdConsent")
    async def withdraw_consent(self, principal: Caller, db_session: DbSession) -> None:
        """Stop sharing one's card with the head (and stop being paid for)."""
        await service.withdraw_consent(db_session, account_id=principal.account_id)

    @get("/invitations", operation_id="listHouseholdInvitations")
    async def invitations(self, principal: Caller, db_session: DbSession) -> list[InvitationPublic]:
        """Households waiting for the caller's consent."""
        return await service.invitations(db_session, account_id=principal.account_id)

    @post("/invitations/{invitation_id:int}/accept", status_code=204, operation_id="acceptHouseholdInvitation")
    async def accept(self, invitation_id: RowId, principal: Caller, db_session: DbSession) -> None:
        """Consent: the head may see the caller's card and pay their household HI."""
        await service.accept_invitation(db_session, account_id=principal.account_id, invitation_id=invitation_id)

    @post("/invitations/{invitation_id:int}/decline", status_code=204, operation_id="declineHouseholdInvitation")
    async def decline(self, invitation_id: RowId, principal: Caller, db_session: DbSession) -> None:
        """Refuse to join the household."""
        await service.decline_invitation(db_session, account_id=principal.account_id, invitation_id=invitation_id)

    @get("/mine/quote", operation_id="getHouseholdQuote")
    async def quote(
        self, principal: Caller, db_session: DbSession, months: Months, member_ids: MemberIds = None
    ) -> QuotePublic:
        """What paying household HI for 3, 6 or 12 months costs today."""
        return await billing.quote(
            db_session,
            account_id=principal.account_id,
            months=check_months(months),
            member_ids=parse_member_ids(member_ids),
        )

    @post("/mine/payments", operation_id="createHouseholdPayment")
    async def pay(
        self,
        state: State,
        data: JSONBody[PaymentCreate],
        principal: Caller,
        db_session: DbSession,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PaymentPublic]:
        """Create a pending payment, priced now; the same Idempotency-Key always returns the same payment."""
        payment, created = await billing.create_payment(
            db_session,
            account_id=principal.account_id,
            idempotency_key=idempotency_key,
            months=data.months,
            member_ids=data.member_ids,
            provider=state.payment_provider,
        )
        headers = {} if created else {"Idempotent-Replayed": "true"}
        return Response(payment, status_code=201 if created else 200, headers=headers)

    @get("/mine/payments", operation_id="listHouseholdPayments")
    async def payments(self, principal: Caller, db_session: DbSession) -> list[PaymentPublic]:
        """The household's payments and receipts, newest first."""
        return await billing.list_payments(db_session, account_id=principal.account_id)

    @get("/mine/payments/{payment_id:int}", operation_id="getHouseholdPayment")
    async def payment(self, payment_id: RowId, principal: Caller, db_session: DbSession) -> PaymentPublic:
        """One payment (poll it after paying)."""
        return await billing.get_payment(db_session, account_id=principal.account_id, payment_id=payment_id)

    @get("/mine/events", operation_id="listHouseholdEvents")
    async def events(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[HouseholdEventPublic]:
        """The household's audit trail (head only), newest first."""
        items, total = await service.audit_trail(
            db_session, account_id=principal.account_id, limit=limit, offset=offset
        )
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)


class PaymentCallbackController(Controller):
    """Where the payment provider reports settlements; trusted only through the HMAC signature."""

    path = "/payments"
    tags = ["payments"]

    @post("/callback", status_code=200, operation_id="paymentCallback", cache_control=NO_STORE)
    async def callback(self, request: Request, db_session: DbSession, settings: AppSettings) -> dict[str, str]:
        """Confirm or fail a payment once; replays and forgeries change nothing."""
        body = await request.body()
        return await billing.settle(
            db_session,
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER),
            secret=settings.payment_hmac_secret,
        )


class DevPaymentController(Controller):
    """Dev only (mounted when ANSINH_ENV=dev): play the simulated provider's callback for one's own payment."""

    path = "/dev/payments"
    tags = ["dev"]
    guards = [requires_citizen]

    @post("/{payment_id:int}/simulate", status_code=200, operation_id="simulatePayment")
    async def simulate(
        self,
        payment_id: RowId,
        data: JSONBody[SimulatedOutcome],
        principal: Caller,
        db_session: DbSession,
        settings: AppSettings,
    ) -> dict[str, str]:
        """Send the signed callback the provider would send, through the real callback path."""
        payment = await billing.payment_ref_for_simulation(
            db_session, account_id=principal.account_id, payment_id=payment_id
        )
        now = utcnow()
        body = callback_body(
            event_id=f"sim-{payment.id}-{int(now.timestamp() * 1000)}",
            provider_ref=payment.provider_ref,
            status=data.outcome,
            amount=payment.amount,
        )
        signature = sign(body, secret=settings.payment_hmac_secret, timestamp=int(now.timestamp()))
        return await billing.settle(
            db_session, body=body, signature=signature, secret=settings.payment_hmac_secret, now=now
        )
