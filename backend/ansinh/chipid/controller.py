"""Chip-ID routes: a citizen's challenge and verification, and account activation by chip (no sign-in)."""

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.pagination import OffsetPagination
from litestar.params import JSONBody
from sqlmodel import col, select

from ansinh.chipid import service
from ansinh.chipid.models import ChipVerification
from ansinh.chipid.schemas import (
    ActivationChallengeRequest,
    CheckOutcome,
    ChipActivationRequest,
    ChipActivationResult,
    ChipChallenge,
    ChipFilesRequest,
    ChipVerificationPublic,
    ChipVerificationResult,
)
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.pagination import Limit, Offset, fetch_page
from ansinh.identity.guards import requires_citizen

# Nonces and tokens never belong in a cache.
NO_STORE = CacheControlHeader(no_store=True, private=True)


def _files(data: ChipFilesRequest) -> service.ChipFiles:
    return service.ChipFiles(
        sod=data.sod,
        dg1=data.dg1,
        dg13=data.dg13,
        dg15=data.dg15,
        dg14=data.dg14,
        aa_signature=data.aa_signature,
        challenge_id=data.challenge_id,
    )


def _checks(report: service.Report) -> list[CheckOutcome]:
    return [CheckOutcome(name=name, outcome=outcome) for name, outcome in report.checks.items()]  # type: ignore[arg-type]


def _challenge(challenge_id: str, nonce: bytes) -> ChipChallenge:
    return ChipChallenge(
        challenge_id=challenge_id, nonce=service.encode_nonce(nonce), expires_in=service.CHALLENGE_TTL_SECONDS
    )


class ChipIdController(Controller):
    """The signed-in citizen binds their account to their chip citizen-ID card."""

    path = "/me/chip-id"
    tags = ["chip-id"]
    guards = [requires_citizen]
    cache_control = NO_STORE

    @post("/challenge", status_code=200, operation_id="chipIdChallenge")
    async def challenge(self, principal: Caller, store: Store) -> ChipChallenge:
        """A single-use 8-byte nonce (5 minutes) for the chip to sign (active authentication)."""
        challenge_id, nonce = await service.issue_challenge(store, account_id=principal.account_id)
        return _challenge(challenge_id, nonce)

    @post("/verify", status_code=200, operation_id="chipIdVerify")
    async def verify(
        self,
        data: JSONBody[ChipFilesRequest],
        principal: Caller,
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        request_context: Context,
    ) -> ChipVerificationResult:
        """Check the chip's files (passive, identity, active); success makes the account ``chip_verified``."""
        report, verification, account = await service.verify_for_account(
            db_session,
            store,
            settings=settings,
            account_id=principal.account_id,
            files=_files(data),
            context=request_context,
        )
        return ChipVerificationResult(
            assurance_level=account.assurance_level,
            checks=_checks(report),
            active_authentication=report.aa_algorithm,
            document_last_digits=report.document_last_digits,
            verified_at=verification.created_at,
        )

    @get("/verifications", operation_id="chipIdVerifications")
    async def verifications(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[ChipVerificationPublic]:
        """The account's chip-ID verifications, newest first."""
        query = select(ChipVerification).order_by(
            col(ChipVerification.created_at).desc(), col(ChipVerification.id).desc()
        )
        rows, total = await fetch_page(
            db_session,
            query,
            count_from=ChipVerification,
            where=ChipVerification.account_id == principal.account_id,
            limit=limit,
            offset=offset,
        )
        items = [
            ChipVerificationPublic(
                id=row.id,  # type: ignore[arg-type]
                purpose=row.purpose,
                outcome=row.outcome,
                failed_check=row.failed_check,
                checks=row.checks,
                data_groups=row.data_groups,
                document_last_digits=row.document_last_digits,
                active_authentication=row.aa_algorithm,
                created_at=row.created_at,
            )
            for row in rows
        ]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)


class ChipActivationController(Controller):
    """Activate an account with the chip ID card instead of a code sent to the phone or e-mail on record."""

    path = "/auth/activate/chip-id"
    tags = ["chip-id", "auth"]
    cache_control = NO_STORE

    @post("/challenge", status_code=200, operation_id="chipIdActivationChallenge")
    async def challenge(self, data: JSONBody[ActivationChallengeRequest], store: Store) -> ChipChallenge:
        """A nonce bound to this SI code (issued alike whether or not the SI code exists)."""
        challenge_id, nonce = await service.issue_challenge(store, si_code=data.si_code)
        return _challenge(challenge_id, nonce)

    @post("", status_code=200, operation_id="chipIdActivate")
    async def activate(
        self,
        data: JSONBody[ChipActivationRequest],
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        request_context: Context,
    ) -> ChipActivationResult:
        """Activate the account when the chip passes and names the person with this SI code; signs in."""
        report, pair = await service.activate_with_chip(
            db_session,
            store,
            settings=settings,
            si_code=data.si_code,
            password=data.password,
            files=_files(data),
            context=request_context,
        )
        return ChipActivationResult(
            assurance_level="chip_verified",
            checks=_checks(report),
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )
