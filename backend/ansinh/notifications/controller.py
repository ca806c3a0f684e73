"""Notification routes: the citizen's inbox, Web Push subscriptions, notification choices and the VAPID key."""

from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, QueryParameter

from ansinh.core.deps import AppSettings, Caller, Context, DbSession
from ansinh.core.pagination import Limit, Offset
from ansinh.core.params import RowId
from ansinh.identity.citizens import citizen_person_id
from ansinh.identity.guards import requires_citizen
from ansinh.notifications import push, service
from ansinh.notifications.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationPreferences,
    NotificationPublic,
    PushSubscriptionCreate,
    PushSubscriptionPublic,
    VapidPublicKey,
)

NO_STORE = CacheControlHeader(no_store=True, private=True)
Language = Annotated[
    Literal["vi", "en"] | None,
    QueryParameter(name="lang", description="vi or en; default from Accept-Language, else vi"),
]
UnreadOnly = Annotated[bool, QueryParameter(name="unread_only", description="Only entries not read yet")]
# No control characters: an endpoint is a URL, and PostgreSQL text cannot hold NUL (it answered 500; Schemathesis).
Endpoint = Annotated[
    str,
    QueryParameter(
        name="endpoint", max_length=4096, pattern=r"^[^\x00-\x1f]*$", description="The subscription's endpoint"
    ),
]


def reading_language(request: Request, lang: str | None) -> str:
    """``lang`` if given, else English only when Accept-Language ranks it above Vietnamese, else Vietnamese."""
    if lang is not None:
        return lang
    best, best_q = "vi", -1.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, weight = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        try:
            q = float(weight.strip()[2:]) if weight.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if primary in ("vi", "en") and q > best_q:
            best, best_q = primary, q
    return best


class NotificationController(Controller):
    """The caller's own notices, push subscriptions and choices."""

    path = "/me"
    tags = ["notifications"]
    guards = [requires_citizen]
    cache_control = NO_STORE

    @get("/notifications", operation_id="listMyNotifications")
    async def list_notifications(
        self,
        request: Request,
        principal: Caller,
        db_session: DbSession,
        unread_only: UnreadOnly = False,
        limit: Limit = 20,
        offset: Offset = 0,
        lang: Language = None,
    ) -> NotificationPage:
        """The caller's notices, newest first, with how many are unread."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        return await service.inbox(
            db_session,
            person_id=person_id,
            unread_only=unread_only,
            limit=limit,
            offset=offset,
            language=reading_language(request, lang),
        )

    @post("/notifications/read-all", status_code=200, operation_id="markAllMyNotificationsRead")
    async def read_all(self, principal: Caller, db_session: DbSession) -> MarkedRead:
        """Mark every notice read."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        return MarkedRead(marked=await service.mark_all_read(db_session, person_id=person_id))

    @post("/notifications/{notification_id:int}/read", status_code=200, operation_id="markMyNotificationRead")
    async def read(
        self,
        request: Request,
        notification_id: RowId,
        principal: Caller,
        db_session: DbSession,
        lang: Language = None,
    ) -> NotificationPublic:
        """Mark one notice read (idempotent)."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        return await service.mark_read(
            db_session, person_id=person_id, notification_id=notification_id, language=reading_language(request, lang)
        )

    @post("/push-subscriptions", operation_id="subscribeToPush")
    async def subscribe(
        self,
        data: JSONBody[PushSubscriptionCreate],
        principal: Caller,
        db_session: DbSession,
        settings: AppSettings,
        request_context: Context,
    ) -> Response[PushSubscriptionPublic]:
        """Store this browser's push subscription (201), or refresh it when known (200)."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        stored, created = await service.subscribe(
            db_session, person_id=person_id, request=data, settings=settings, user_agent=request_context.user_agent
        )
        return Response(stored, status_code=201 if created else 200)

    @delete("/push-subscriptions", status_code=204, operation_id="unsubscribeFromPush")
    async def unsubscribe(self, endpoint: Endpoint, principal: Caller, db_session: DbSession) -> None:
        """Stop pushing to this browser (only the caller's own subscription)."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        await service.unsubscribe(db_session, person_id=person_id, endpoint=endpoint)

    @get("/notification-preferences", operation_id="getMyNotificationPreferences")
    async def get_preferences(self, principal: Caller, db_session: DbSession) -> NotificationPreferences:
        """What the caller chose to be told about."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        return await service.preferences(db_session, person_id=person_id)

    @put("/notification-preferences", operation_id="setMyNotificationPreferences")
    async def set_preferences(
        self, data: JSONBody[NotificationPreferences], principal: Caller, db_session: DbSession
    ) -> NotificationPreferences:
        """Change what the caller is told about (the card-check notice is opt-in)."""
        person_id = await citizen_person_id(db_session, account_id=principal.account_id)
        return await service.set_preferences(db_session, person_id=person_id, choices=data)


class PushKeyController(Controller):
    """The public half of the server's VAPID key; anyone may read it."""

    path = "/push"
    tags = ["notifications"]

    @get("/public-key", operation_id="getPushPublicKey", cache_control=CacheControlHeader(public=True, max_age=3600))
    async def public_key(self, settings: AppSettings) -> VapidPublicKey:
        """The key browsers pass to ``pushManager.subscribe``; 503 when push is off."""
        key = push.vapid_key(settings)
        if key is None:
            raise service.PushUnavailable()
        return VapidPublicKey(public_key=push.public_key_b64(key))
