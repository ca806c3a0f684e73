"""create_app(): the only place where routes, plugins, dependencies, stores and errors are wired."""

import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import litestar_offline_docs
from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh import __version__
from ansinh.applications import disputes
from ansinh.applications.controller import (
    ApplicationController,
    CoPaymentController,
    FacilityDisputeController,
    StaffApplicationController,
)
from ansinh.cards.controller import CardController, JwksController, StaffCardController
from ansinh.cards.keys import KeyRingCache
from ansinh.chipid.controller import ChipActivationController, ChipIdController
from ansinh.clinics.checks import CheckServices
from ansinh.clinics.controller import (
    VERIFY_ROUTE,
    CardCheckReceiptController,
    ClinicAuthController,
    ClinicCheckController,
    FacilityStaffController,
    verify_lane_route,
)
from ansinh.clinics.recorder import CheckRecorder
from ansinh.core.context import provide_request_context
from ansinh.core.db import create_engine, read_session_factory, session_factory
from ansinh.core.dbserver import with_database
from ansinh.core.edge import Edge
from ansinh.core.errors import EXCEPTION_HANDLERS
from ansinh.core.lane import HotLane, LaneRoute
from ansinh.core.logging import configure_logging
from ansinh.core.openapi import document_problems
from ansinh.core.routes import UNCOMPRESSED, HotRoute
from ansinh.core.security import MAX_REQUEST_BODY, HashedSwaggerRenderPlugin, security_headers
from ansinh.core.settings import Settings, get_settings
from ansinh.core.statements import create_statements
from ansinh.core.store import create_store
from ansinh.core.tokens import VerifiedTokens
from ansinh.employers.controller import (
    DevEmployerPaymentController,
    EmployerAuthController,
    EmployerController,
    EmployerPaymentCallbackController,
    StaffEmployerController,
)
from ansinh.exports.controller import MyDataController
from ansinh.gateway.controller import (
    GatewayCardCheckController,
    GatewaySessionController,
    StaffGatewayAccountController,
)
from ansinh.gateway.visits_controller import QD130Controller
from ansinh.households.controller import DevPaymentController, HouseholdController, PaymentCallbackController
from ansinh.households.provider import SimulatedProvider
from ansinh.identity import events as identity_events
from ansinh.identity.controller import AuthController, DevOutboxController, MeController
from ansinh.identity.guards import known_principal, provide_principal
from ansinh.identity.otp import DevOutbox, NoSender, WebhookSender
from ansinh.identity.passkey_controller import PasskeyController, PasskeyManagementController
from ansinh.lookups.controller import LookupController
from ansinh.notifications import service as notifications_service
from ansinh.notifications.controller import NotificationController, PushKeyController
from ansinh.passbooks.controller import PassbookController
from ansinh.records import events as records_events
from ansinh.records.controller import RecordsController
from ansinh.web.assets import pwa_dir, static_dir
from ansinh.web.clinic import ClinicScannerController
from ansinh.web.controller import PwaController
from ansinh.web.employer import EmployerPageController
from ansinh.web.health import HealthController

API_PREFIX = "/api/v1"
DOCS_PATH = "/schema"
DOCS_ASSETS = "/schema-assets"
# Swagger UI's files ship in the litestar-offline-docs wheel; served locally, the docs need no internet.
DOCS_ASSETS_DIR = Path(litestar_offline_docs.__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One database session per request, rolled back if the handler fails."""
    async with state.session_factory() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise


async def provide_read_session(state: State) -> AsyncIterator[AsyncSession]:
    """An autocommit session for handlers that only read (see ``read_session_factory``)."""
    async with state.read_session_factory() as session:
        yield session


def freeze_startup_objects() -> None:
    """Keep the objects made at start-up (modules, schemas, SQL metadata) out of the garbage collector's scans.

    Without it, every full collection walked them all: pauses of the whole worker that set the p99 of every
    endpoint under load (figures in docs/PERFORMANCE.md).
    """
    gc.collect()
    gc.freeze()


def _swagger() -> HashedSwaggerRenderPlugin:
    # Swagger UI from locally served assets: the docs work with no internet.
    return HashedSwaggerRenderPlugin(
        spec_url=f"{DOCS_PATH}/openapi.json",
        path="/",
        js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
        favicon="<link rel='icon' type='image/svg+xml' href='/static/icons/favicon.svg'>",
    )


def _openapi_config(swagger: HashedSwaggerRenderPlugin) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="AnSinh API",
        version=__version__,
        description="Citizen self-service for social and health insurance.",
        path=DOCS_PATH,
        render_plugins=[swagger, JsonRenderPlugin()],
    )


def _otp_sender(settings: Settings) -> Any:
    if settings.otp_webhook_url:
        return WebhookSender(settings.otp_webhook_url, settings.otp_webhook_token)
    return DevOutbox() if settings.is_dev else NoSender()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application for ``settings`` (the environment's by default)."""
    settings = with_database(settings or get_settings())
    access_log = configure_logging(settings.log_level, json_lines=settings.log_json)
    # Identity sits below notifications: the citizen's new-device notice is its listener.
    identity_events.on_new_device(notifications_service.new_device_notice)
    # Records sits below applications: a facility's resubmission joins the visit's dispute through this listener.
    records_events.on_visits_stored(disputes.visits_resubmitted)
    engine = create_engine(settings)

    store = create_store(settings.redis_url, settings.redis_namespace)
    sessions = session_factory(engine)
    otp_sender = _otp_sender(settings)
    key_rings = KeyRingCache()
    statements = create_statements(settings)
    read_sessions = read_session_factory(engine)
    recorder = CheckRecorder(sessions, statements=statements)
    check_services = CheckServices(recorder=recorder, sessions=read_sessions, key_rings=key_rings)
    state: dict[str, Any] = {
        "settings": settings,
        "engine": engine,
        "session_factory": sessions,
        "read_session_factory": read_sessions,
        "statements": statements,
        "store": store,
        "key_rings": key_rings,
        "check_services": check_services,
        "verified_tokens": VerifiedTokens(),
        "otp_sender": otp_sender,
        "pwa_dir": pwa_dir(settings),
        # Only the simulated provider exists so far; outside dev, payments answer 503 until a real one is wired.
        "payment_provider": SimulatedProvider() if settings.is_dev else None,
    }

    api_handlers: list[Any] = [
        AuthController,
        MeController,
        PasskeyController,
        PasskeyManagementController,
        ClinicAuthController,
        ClinicCheckController,
        FacilityStaffController,
        FacilityDisputeController,
        RecordsController,
        CoPaymentController,
        CardController,
        CardCheckReceiptController,
        StaffCardController,
        StaffGatewayAccountController,
        HouseholdController,
        PaymentCallbackController,
        LookupController,
        MyDataController,
        ApplicationController,
        StaffApplicationController,
        NotificationController,
        PushKeyController,
        PassbookController,
        ChipIdController,
        ChipActivationController,
        EmployerAuthController,
        EmployerController,
        EmployerPaymentCallbackController,
        StaffEmployerController,
    ]
    if settings.is_dev:
        # dev only: the outbox and the simulated payment provider do not exist otherwise
        api_handlers += [DevOutboxController, DevPaymentController, DevEmployerPaymentController]
    api = Router(path=API_PREFIX, route_handlers=api_handlers)
    docs = _swagger()

    app = Litestar(
        route_handlers=[
            api,
            JwksController,
            GatewaySessionController,  # the national gateway's paths, outside /api/v1
            GatewayCardCheckController,
            QD130Controller,
            HealthController,
            PwaController,
            ClinicScannerController,
            EmployerPageController,
            create_static_files_router(path="/pwa", directories=[state["pwa_dir"]], name="pwa"),
            create_static_files_router(path="/static", directories=[static_dir(settings)], name="static"),
            create_static_files_router(path=DOCS_ASSETS, directories=[DOCS_ASSETS_DIR], name="docs-assets"),
        ],
        dependencies={
            "db_session": Provide(provide_db_session),
            "read_db": Provide(provide_read_session),
            "principal": Provide(provide_principal),
            "request_context": Provide(provide_request_context, sync_to_thread=False),
            "store": Provide(lambda: store, use_cache=True, sync_to_thread=False),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=MAX_REQUEST_BODY,
        openapi_config=_openapi_config(docs),
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, exclude_opt_key=UNCOMPRESSED),
        logging_config=LoggingConfig(configure_root_logger=False, log_exceptions="never"),
        state=State(state),
        on_startup=[freeze_startup_objects],
        # Queued scans are written first.
        on_shutdown=[
            check_services.recorder.drain,
            statements.close,
            engine.dispose,
            store.close,
            *([otp_sender.close] if isinstance(otp_sender, WebhookSender) else []),
            access_log.flush,  # the last turn's access lines
        ],
        debug=False,
    )
    document_problems(app)  # the document's error answers are the problem+json ones the handlers really give
    handler: ASGIApp = app.asgi_handler
    if settings.hot_lane:
        handler = app.state.hot_lane = HotLane(
            handler,
            routes=_lane_routes(app),
            state=app.state,
            known_principal=known_principal,
            max_body=MAX_REQUEST_BODY,
        )
    # Outermost, around routing and its error handling (Litestar's own middleware runs per route, so never sees a
    # 404): every response gets its request id and security headers, every request its access line.
    app.asgi_handler = Edge(
        handler,
        add_headers=security_headers(settings, docs_path=DOCS_PATH, docs_policy=docs.content_security_policy),
        access_log=access_log,
    )
    return app


def _lane_routes(app: Litestar) -> dict[tuple[str, str], LaneRoute]:
    """The routes the hot lane serves, at the paths and with the headers Litestar registered for them."""
    index = app.get_handler_index_by_name(VERIFY_ROUTE)
    if index is None:
        raise RuntimeError(f"no route named {VERIFY_ROUTE}")
    verify: HotRoute = index["handler"]  # type: ignore[assignment]
    [path] = index["paths"]
    return {("POST", path): verify_lane_route(verify.json_headers())}
