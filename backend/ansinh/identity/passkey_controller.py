"""Passkeys (WebAuthn): enrolment, usernameless sign-in and management."""

import dataclasses
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody
from pydantic import BaseModel, Field, StringConstraints

from ansinh.core.context import provide_request_context
from ansinh.core.deps import AppSettings, Caller, Context, DbSession, Store
from ansinh.core.params import RowId
from ansinh.core.routes import UNCOMPRESSED, hot_post
from ansinh.identity import passkeys
from ansinh.identity.guards import requires_account, requires_recent_sign_in
from ansinh.identity.passkeys import PasskeyPublic
from ansinh.identity.schemas import TokenResponse

CeremonyId = Annotated[str, StringConstraints(min_length=8, max_length=64)]
PasskeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# At enrolment the name may be left empty: the passkey is then named after its provider.
OptionalPasskeyName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
# Neither challenges nor tokens belong in any cache.
NO_STORE = CacheControlHeader(no_store=True)


class CeremonyOptions(BaseModel):
    """A ceremony to complete: pass ``publicKey`` to PublicKeyCredential.parse…OptionsFromJSON()."""

    ceremony_id: str
    publicKey: dict[str, Any] = Field(description="WebAuthn options in their JSON form")


class PasskeyRegistration(BaseModel):
    """The new credential (``PublicKeyCredential.toJSON()``) and an optional name for it."""

    ceremony_id: CeremonyId
    credential: dict[str, Any]
    name: OptionalPasskeyName | None = None


class PasskeyAssertion(BaseModel):
    """The assertion (``PublicKeyCredential.toJSON()``) answering a sign-in ceremony."""

    ceremony_id: CeremonyId
    credential: dict[str, Any]


class PasskeyRename(BaseModel):
    name: PasskeyName


class PasskeyController(Controller):
    """Enrol a passkey (signed in) and sign in with one (anyone)."""

    path = "/auth/passkeys"
    tags = ["passkeys"]

    @post(
        "/registration/options",
        guards=[requires_recent_sign_in],
        status_code=200,
        operation_id="passkeyRegistrationOptions",
        cache_control=NO_STORE,
    )
    async def registration_options(
        self,
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        principal: Caller,
    ) -> CeremonyOptions:
        """Start enrolling a passkey for the signed-in account."""
        ceremony_id, options = await passkeys.registration_options(
            db_session, store, settings=settings, account_id=principal.account_id
        )
        return CeremonyOptions(ceremony_id=ceremony_id, publicKey=options)

    @post("/registration", guards=[requires_recent_sign_in], status_code=201, operation_id="passkeyRegister")
    async def register(
        self,
        data: JSONBody[PasskeyRegistration],
        db_session: DbSession,
        store: Store,
        settings: AppSettings,
        principal: Caller,
        request_context: Context,
    ) -> PasskeyPublic:
        """Verify and store the new passkey."""
        passkey = await passkeys.register(
            db_session,
            store,
            settings=settings,
            account_id=principal.account_id,
            ceremony_id=data.ceremony_id,
            credential=data.credential,
            name=data.name,
            context=request_context,
        )
        return passkeys.to_public(passkey)

    @post(
        "/authentication/options",
        status_code=200,
        operation_id="passkeySignInOptions",
        cache_control=NO_STORE,
        opt={UNCOMPRESSED: True},
    )
    async def authentication_options(self, request: Request) -> CeremonyOptions:
        """Start a usernameless passkey sign-in."""
        # The sign-in handlers read the app's constants instead of resolving them as dependencies (hot path:
        # Litestar resolves two or more dependencies in a task group per request; docs/PERFORMANCE.md).
        state = request.app.state
        ceremony_id, options = await passkeys.authentication_options(
            state.store, settings=state.settings, context=provide_request_context(request)
        )
        return CeremonyOptions(ceremony_id=ceremony_id, publicKey=options)

    @hot_post("/authentication", status_code=200, operation_id="passkeySignIn", cache_control=NO_STORE, compress=False)
    async def authenticate(self, data: JSONBody[PasskeyAssertion], request: Request) -> TokenResponse:
        """Verify the passkey assertion and open a session (works while password sign-in is locked)."""
        state = request.app.state
        pair = await passkeys.authenticate(
            state.session_factory,
            state.statements,
            state.store,
            settings=state.settings,
            ceremony_id=data.ceremony_id,
            credential=data.credential,
            context=provide_request_context(request),
        )
        return TokenResponse(**dataclasses.asdict(pair))


class PasskeyManagementController(Controller):
    """The signed-in account's own passkeys."""

    path = "/me/passkeys"
    tags = ["passkeys"]
    guards = [requires_account]

    @get("/", operation_id="passkeyList", cache_control=NO_STORE)
    async def list_passkeys(self, db_session: DbSession, principal: Caller) -> list[PasskeyPublic]:
        """List the caller's passkeys."""
        return [
            passkeys.to_public(p) for p in await passkeys.list_passkeys(db_session, account_id=principal.account_id)
        ]

    @patch("/{passkey_id:int}", operation_id="passkeyRename")
    async def rename(
        self,
        passkey_id: RowId,
        data: JSONBody[PasskeyRename],
        db_session: DbSession,
        principal: Caller,
        request_context: Context,
    ) -> PasskeyPublic:
        """Rename one of the caller's passkeys."""
        passkey = await passkeys.rename_passkey(
            db_session,
            account_id=principal.account_id,
            passkey_id=passkey_id,
            name=data.name,
            context=request_context,
        )
        return passkeys.to_public(passkey)

    @delete("/{passkey_id:int}", operation_id="passkeyDelete")
    async def remove(
        self,
        passkey_id: RowId,
        db_session: DbSession,
        principal: Caller,
        request_context: Context,
    ) -> None:
        """Remove one of the caller's passkeys (the last one only with a step-up: chip ID or a fresh passkey)."""
        await passkeys.delete_passkey(
            db_session,
            principal=principal,
            account_id=principal.account_id,
            passkey_id=passkey_id,
            context=request_context,
        )
