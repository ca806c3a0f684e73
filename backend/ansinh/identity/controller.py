"""Identity routes: sign-in with password + OTP, refresh, sign-out, activation, reset, profile and sessions."""

from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency, Provide
from litestar.pagination import OffsetPagination
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlmodel import col, func, select

from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.pagination import Limit, Offset, fetch_page
from ansinh.identity import service
from ansinh.identity.guards import requires_account, requires_signed_in_person, requires_step_up
from ansinh.identity.models import Passkey, SecurityEvent
from ansinh.identity.schemas import (
    ActivateRequest,
    ChallengeIssued,
    ConfirmWithPassword,
    ContactChange,
    LoginRequest,
    OtpRequired,
    OtpVerify,
    OutboxMessage,
    PasswordChange,
    ProfilePublic,
    RefreshRequest,
    ResetRequest,
    SecurityEventPublic,
    SessionPublic,
    StatusResponse,
    TokenResponse,
)
from ansinh.identity.sessions import list_sessions, revoke_own_session, rotate_refresh_token

IdentityServices = NamedDependency[service.Services]

# Tokens and codes must never sit in a shared or browser cache.
NO_STORE = CacheControlHeader(no_store=True)


def provide_services(settings: AppSettings, store: Store, state: State) -> service.Services:
    """The settings, shared store and code sender the identity rules use."""
    return service.Services(settings=settings, store=store, sender=state.otp_sender)


def _tokens(pair: Any) -> TokenResponse:
    return TokenResponse(**asdict(pair))


class AuthController(Controller):
    """Sign-in, refresh, sign-out, activation and password recovery."""

    path = "/auth"
    tags = ["auth"]
    cache_control = NO_STORE
    dependencies = {"services": Provide(provide_services, sync_to_thread=False)}

    @post("/login", status_code=200, operation_id="login")
    async def login(
        self,
        data: JSONBody[LoginRequest],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> OtpRequired:
        """Check the password; a 6-digit code goes to the phone or e-mail on record."""
        challenge_id, sent_to = await service.login(
            db_session, services, username=data.username, password=data.password, context=request_context
        )
        return OtpRequired(challenge_id=challenge_id, sent_to=sent_to)

    @post("/otp", status_code=200, operation_id="verifyOtp")
    async def verify_otp(
        self,
        data: JSONBody[OtpVerify],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> TokenResponse:
        """Second factor: exchange the code for an access and a refresh token."""
        pair = await service.verify_login_otp(
            db_session, services, challenge_id=data.challenge_id, code=data.code, context=request_context
        )
        return _tokens(pair)

    @post("/refresh", status_code=200, operation_id="refreshTokens")
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> TokenResponse:
        """Rotate the refresh token; a reused one ends the whole session."""
        pair = await rotate_refresh_token(
            db_session,
            services.store,
            settings=services.settings,
            refresh_token=data.refresh_token,
            context=request_context,
        )
        return _tokens(pair)

    @post("/logout", status_code=204, guards=[requires_signed_in_person], operation_id="logout")
    async def logout(self, principal: Caller, db_session: DbSession, store: Store, request_context: Context) -> None:
        """End this session: its refresh token and access tokens stop working."""
        if principal.session_id:
            await revoke_own_session(
                db_session,
                store,
                account_id=principal.account_id,
                session_id=principal.session_id,
                reason="sign_out",
                context=request_context,
            )

    @post("/password", status_code=200, guards=[requires_account], operation_id="changePassword")
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        principal: Caller,
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> StatusResponse:
        """Change the password (current one required); other sessions are signed out."""
        await service.change_password(
            db_session,
            services,
            account_id=principal.account_id,
            session_id=principal.session_id,
            current=data.current_password,
            new=data.new_password,
            context=request_context,
        )
        return StatusResponse(status="password_changed")

    @post("/activate", status_code=202, operation_id="startActivation")
    async def activate(
        self,
        data: JSONBody[ActivateRequest],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> ChallengeIssued:
        """Activate a registry person's account: a code goes to the contact on record, if the facts match."""
        challenge_id = await service.start_activation(
            db_session,
            services,
            si_code=data.si_code,
            citizen_id=data.citizen_id,
            date_of_birth=data.date_of_birth,
            context=request_context,
        )
        return ChallengeIssued(challenge_id=challenge_id)

    @post("/activate/confirm", status_code=200, operation_id="confirmActivation")
    async def activate_confirm(
        self,
        data: JSONBody[ConfirmWithPassword],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> StatusResponse:
        """Confirm the code and set the first password."""
        await service.confirm_activation(
            db_session,
            services,
            challenge_id=data.challenge_id,
            code=data.code,
            password=data.password,
            context=request_context,
        )
        return StatusResponse(status="activated")

    @post("/password/reset", status_code=202, operation_id="startPasswordReset")
    async def reset(
        self,
        data: JSONBody[ResetRequest],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> ChallengeIssued:
        """Forgotten password: a code goes to the contact on record, if the account exists."""
        challenge_id = await service.start_password_reset(
            db_session, services, username=data.username, context=request_context
        )
        return ChallengeIssued(challenge_id=challenge_id)

    @post("/password/reset/confirm", status_code=200, operation_id="confirmPasswordReset")
    async def reset_confirm(
        self,
        data: JSONBody[ConfirmWithPassword],
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> StatusResponse:
        """Confirm the code, set a new password and sign out every device."""
        await service.confirm_password_reset(
            db_session,
            services,
            challenge_id=data.challenge_id,
            code=data.code,
            password=data.password,
            context=request_context,
        )
        return StatusResponse(status="password_reset")


class MeController(Controller):
    """The signed-in person's own profile, contact details, sessions and security events."""

    path = "/me"
    tags = ["me"]
    guards = [requires_account]
    cache_control = CacheControlHeader(no_store=True, private=True)
    dependencies = {"services": Provide(provide_services, sync_to_thread=False)}

    @get("/", operation_id="getMe")
    async def me(self, principal: Caller, db_session: DbSession) -> ProfilePublic:
        """The signed-in person's profile."""
        account, person = await service.load_account(db_session, principal.account_id)
        has_passkey = (
            await db_session.exec(select(func.count()).select_from(Passkey).where(Passkey.account_id == account.id))
        ).one() > 0
        profile = ProfilePublic(
            role=account.role,
            username=account.username,
            assurance_level=account.assurance_level,
            has_passkey=has_passkey,
            email=account.email,
        )
        if person is not None:
            profile = profile.model_copy(
                update={
                    "si_code": person.si_code,
                    "citizen_id": person.citizen_id,
                    "full_name": person.full_name,
                    "date_of_birth": service.birth_date_text(person),
                    "sex": person.sex,
                    "address": person.address,
                    "phone": person.phone,
                    "email": person.email,
                }
            )
        return profile

    # Whoever changes the contact on record receives every later code: a stolen password + OTP must not suffice.
    @patch("/contact", status_code=202, guards=[requires_step_up], operation_id="requestContactChange")
    async def change_contact(
        self,
        data: JSONBody[ContactChange],
        principal: Caller,
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> ChallengeIssued:
        """Start changing the phone or e-mail: a code goes to the new contact."""
        challenge_id = await service.request_contact_change(
            db_session,
            services,
            account_id=principal.account_id,
            phone=data.phone,
            email=data.email,
            context=request_context,
        )
        return ChallengeIssued(challenge_id=challenge_id, message="A code was sent to the new contact.")

    @post("/contact/confirm", status_code=200, operation_id="confirmContactChange")
    async def confirm_contact(
        self,
        data: JSONBody[OtpVerify],
        principal: Caller,
        db_session: DbSession,
        services: IdentityServices,
        request_context: Context,
    ) -> StatusResponse:
        """Confirm the new contact with its code; the old contact is told."""
        await service.confirm_contact_change(
            db_session,
            services,
            account_id=principal.account_id,
            challenge_id=data.challenge_id,
            code=data.code,
            context=request_context,
        )
        return StatusResponse(status="contact_changed")

    @get("/sessions", operation_id="listSessions")
    async def sessions(self, principal: Caller, db_session: DbSession) -> list[SessionPublic]:
        """Devices signed in to this account."""
        rows = await list_sessions(db_session, principal.account_id)
        return [
            SessionPublic(
                id=s.id,
                created_at=s.created_at,
                last_seen_at=s.last_seen_at,
                expires_at=s.expires_at,
                amr=s.amr,
                user_agent=s.user_agent,
                ip=s.ip,
                current=s.id == principal.session_id,
            )
            for s in rows
        ]

    @delete("/sessions/{session_id:str}", status_code=204, operation_id="revokeSession")
    async def revoke_session(
        self,
        session_id: FromPath[str],
        principal: Caller,
        db_session: DbSession,
        store: Store,
        request_context: Context,
    ) -> None:
        """Sign out a device."""
        await revoke_own_session(
            db_session,
            store,
            account_id=principal.account_id,
            session_id=session_id,
            reason="revoked_by_user",
            context=request_context,
        )

    @get("/security-events", operation_id="listSecurityEvents")
    async def security_events(
        self, principal: Caller, db_session: DbSession, limit: Limit = 20, offset: Offset = 0
    ) -> OffsetPagination[SecurityEventPublic]:
        """Sign-ins, failures, passkey and password changes on this account, newest first."""
        where = SecurityEvent.account_id == principal.account_id
        newest_first = select(SecurityEvent).order_by(
            col(SecurityEvent.created_at).desc(), col(SecurityEvent.id).desc()
        )
        rows, total = await fetch_page(
            db_session, newest_first, count_from=SecurityEvent, where=where, limit=limit, offset=offset
        )
        items = [SecurityEventPublic.model_validate(row, from_attributes=True) for row in rows]
        return OffsetPagination(items=items, total=total, limit=limit, offset=offset)


class DevOutboxController(Controller):
    """Dev only (mounted when ANSINH_ENV=dev): the codes the app would have sent."""

    path = "/dev"
    tags = ["dev"]

    @get("/outbox", operation_id="devOutbox", cache_control=NO_STORE)
    async def outbox(
        self, state: State, destination: Annotated[str | None, QueryParameter(name="to")] = None
    ) -> list[OutboxMessage]:
        """Messages sent, newest first (optionally only those to one destination)."""
        messages = reversed(state.otp_sender.messages)
        return [
            OutboxMessage(channel=m.channel, destination=m.destination, text=m.text, sent_at=m.sent_at)
            for m in messages
            if destination is None or m.destination == destination
        ]
