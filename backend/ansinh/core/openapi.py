"""The OpenAPI document's error answers: every refusal is RFC 9457 problem+json, documented with its status."""

from dataclasses import dataclass, field
from typing import Any, ClassVar

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from ansinh.core.errors import PROBLEM_MEDIA_TYPE


@dataclass
class Problem:
    """An RFC 9457 problem document (members beyond these carry the details of one kind of problem)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = field(default=None)  # validation: which field, where, why


# Statuses beyond the generic ones (400 for input, 401/403 for a guard, 404 for a path parameter, 413 for a
# body), by operationId: the domain errors each operation's services raise. tests/security/test_schemathesis.py
# fails on a status an operation answers that is not documented here.
DOMAIN_STATUSES: dict[str, tuple[int, ...]] = {
    # sign-in and codes: wrong credentials or codes (401), too many tries (429), no code gateway (503)
    "login": (401, 429, 503),
    "verifyOtp": (401, 429),
    "startActivation": (409, 429, 503),
    "confirmActivation": (401, 409, 429),
    "startPasswordReset": (429, 503),
    "confirmPasswordReset": (401, 429),
    "changePassword": (429,),
    "refreshTokens": (401,),
    "requestContactChange": (409, 429, 503),
    "confirmContactChange": (401, 409, 429),
    "passkeySignIn": (401,),
    "passkeyRegister": (409,),
    "passkeyDelete": (409,),
    "clinicToken": (401, 429),
    "clinicVerify": (429,),
    "clinicLookup": (429,),
    # records and cards: no card yet (404), a card not in force (409), a reused or rejected card token
    "getCard": (404,),
    "createCardToken": (404, 409),
    "getCardQrPng": (404,),
    "getCardQrSvg": (404,),
    "addFacilityStaff": (403, 409),
    "listFacilityStaff": (403,),
    "removeFacilityStaff": (403, 404),
    "decreaseCard": (409,),
    "reinstateCard": (409,),
    "reissueCard": (409,),
    "revokeCard": (409,),
    "suspendCard": (409,),
    "recordCoPaymentExemption": (409,),  # the card shows no 5 continuous years on that date
    # households: not a member (404), not the head (403), state conflicts (409), payments (422, 503)
    "createHousehold": (409,),
    "getHousehold": (404,),
    "listHouseholdEvents": (404,),
    "listHouseholdPayments": (403, 404),
    "getHouseholdQuote": (403, 404),
    "addHouseholdMember": (403, 404, 409),
    "removeHouseholdMember": (409,),
    "leaveHousehold": (404, 409),
    "withdrawHouseholdConsent": (404, 409),
    "acceptHouseholdInvitation": (409,),
    "declineHouseholdInvitation": (409,),
    "createHouseholdPayment": (403, 404, 409, 422, 503),
    "paymentCallback": (400, 401, 404, 503),
    "simulatePayment": (409,),  # dev only: the provider's callback for a payment already settled
    # applications: one open per kind (a dispute: per visit), transitions, idempotency keys, a live card needed; a
    # dispute of a visit not the caller's (404) or of a household member who has not consented (403)
    "fileApplication": (403, 404, 409),
    "withdrawMyApplication": (409,),
    "staffMoveApplication": (409,),
    "staffDecideDispute": (409,),
    "listFacilityDisputes": (403,),
    "getFacilityDispute": (403,),
    "respondToDispute": (403, 409),
    # notifications, passbooks, chip ID: unusable input (422), the service switched off (503)
    "subscribeToPush": (422, 503),
    "getPushPublicKey": (503,),
    "getPassbookPdf": (404, 422, 429),
    "verifyPassbook": (422,),
    "chipIdChallenge": (503,),
    "chipIdVerify": (409, 422, 503),
    "chipIdActivate": (401, 409, 422, 429, 503),
    "chipIdActivationChallenge": (429, 503),
    "healthReady": (503,),
    # employers: wrong client credentials (401), rows refused (422), an Idempotency-Key reused (409), a file too big
    "employerToken": (401, 429),
    "declare": (409, 422),
    "uploadDeclarations": (409, 413, 422),
    "employerPaymentCallback": (400, 401, 503),
    "recordPaymentPlan": (409, 422),  # nothing owed; instalments that do not add up
}

# Successful answers in a media type of their own, beside (or instead of) the JSON one Litestar infers.
EXTRA_SUCCESS_MEDIA: dict[str, dict[str, Schema]] = {
    "getContributions": {"text/csv": Schema(type=OpenAPIType.STRING)},  # ?format=csv
    "listEmployerWorkers": {"text/csv": Schema(type=OpenAPIType.STRING)},  # ?format=csv
}
SUCCESS_MEDIA_TYPE: dict[str, str] = {
    "getJwks": "application/jwk-set+json",  # RFC 7517 §8.5
    "getPassbookKeys": "application/jwk-set+json",
}


# Set in a handler's ``opt`` when it reads the database through ``state.statements`` (core/statements.py), not a
# session.
HOT_READS = "hot_reads"

# Handler arguments Litestar fills from the connection itself, never from a validated parameter.
_RESERVED_KWARGS = frozenset(
    {"self", "data", "request", "state", "scope", "socket", "headers", "cookies", "query", "body"}
)


def _problem() -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_MEDIA_TYPE,
        description="A problem (RFC 9457): `type` says which one, `detail` says it in the caller's language",
        generate_examples=False,
    )


def _statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> set[int]:
    statuses = set(DOMAIN_STATUSES.get(handler.operation_id if isinstance(handler.operation_id, str) else "", ()))
    signature = handler.parsed_fn_signature.parameters
    if handler.resolve_guards():
        statuses |= {401, 403}
    if route.path_parameters:
        statuses |= {400, 404}  # a malformed identifier is a 400, another's or a missing one a 404
    if "data" in signature:
        statuses |= {400, 413}  # the body is validated, and refused past the request size limit
    dependencies = set(handler.resolve_dependencies())
    if any(name not in dependencies and name not in _RESERVED_KWARGS for name in signature):
        statuses.add(400)  # query, header or path parameters are validated
    if {"db_session", "read_db"} & set(signature) or handler.opt.get(HOT_READS):
        statuses.add(503)  # the database is unreachable (restart, failover): retry after Retry-After
    return statuses


def _operation_class(operation_id: str) -> type[Operation]:
    """An Operation that fixes the success media type, when the handler answers in one Litestar cannot infer."""
    extra = EXTRA_SUCCESS_MEDIA.get(operation_id, {})
    renamed = SUCCESS_MEDIA_TYPE.get(operation_id)

    @dataclass
    class SuccessMediaOperation(Operation):
        extra_media: ClassVar[dict[str, Schema]] = extra
        media_type: ClassVar[str | None] = renamed

        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                if not status.startswith("2") or not hasattr(response, "content") or not response.content:
                    continue
                if self.media_type:
                    response.content = {self.media_type: next(iter(response.content.values()))}
                for media, schema in self.extra_media.items():
                    response.content[media] = OpenAPIMediaType(schema=schema)

    return SuccessMediaOperation


def document_problems(app: Litestar) -> None:
    """Declare, on every API handler, the problem+json answers it can give (instead of Litestar's JSON 400)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            responses = dict(handler.responses or {})
            for status in sorted(_statuses(route, handler)):
                responses.setdefault(status, _problem())
            handler.responses = responses
            operation_id = handler.operation_id if isinstance(handler.operation_id, str) else ""
            if operation_id in EXTRA_SUCCESS_MEDIA or operation_id in SUCCESS_MEDIA_TYPE:
                handler.operation_class = _operation_class(operation_id)
