"""The HTTP API under /api/v1/: authentication, error mapping, and the routers of each app."""

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from plantwright.accounts.services import authenticate_token
from plantwright.core.errors import DomainError, database_refusal, status_body
from plantwright.core.json_reader import MalformedJson, StrictJsonParser


class BearerToken(HttpBearer):
    """`Authorization: Bearer pw_...` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """The signed-in browser session (CSRF-checked), so pages can call the API too."""


class PlantwrightApi(NinjaAPI):
    """The API with what ninja cannot infer: the components of bodies read by hand and the webhook
    signature as a security scheme."""

    def get_openapi_schema(self, *args, **kwargs):
        from plantwright.core.http.schemas import COMPONENTS

        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name, definition in COMPONENTS.items():
            schemas.setdefault(name, definition)
        components.setdefault("securitySchemes", {})["WebhookSignature"] = {
            "type": "apiKey",
            "in": "header",
            "name": "X-Plantwright-Signature",
            "description": (
                "HMAC-SHA256 of `<X-Plantwright-Timestamp>.<raw body>` with the site's webhook secret, as "
                "`v1=<hex>` (one per valid secret while a secret is rotated, comma separated); the timestamp "
                "header is required with it (docs/erp-integration.md)."
            ),
        }
        _document_idempotency_key(schema)
        return schema


def _document_idempotency_key(schema: dict) -> None:
    from plantwright.accounts.idempotency import HEADER, KEY

    parameter = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": f"^{KEY.pattern}$"},
        "description": (
            "Send the same key again (same caller, same content) and get the first answer back instead "
            "of a second change; answers are kept `IDEMPOTENCY_KEEP_DAYS` (14 by default). The same key "
            "with different content is refused (422 `idempotency_key_reused`)."
        ),
    }
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                operation.setdefault("parameters", []).append(parameter)


api = PlantwrightApi(
    parser=StrictJsonParser(),
    title="Plantwright API",
    version="1",
    description=(
        "Plantwright CMMS. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `python -m plantwright token create USER` or on the API tokens page). "
        'Errors always have the body `{"error": {"code", "message", "details"}}`. '
        "Lists take `limit` and `offset` and answer `{items, count}`."
    ),
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_body(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {
            "location": ".".join(str(part) for part in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors
    ]
    return api.create_response(
        request,
        status_body(422, details={"errors": problems}),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, status_body(401), status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, MalformedJson):  # ninja wraps what the body parser raised
        return _domain_error(request, exc.__cause__)
    return api.create_response(request, status_body(exc.status_code, str(exc)), status=exc.status_code)


@api.exception_handler(DatabaseError)
def _database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    refusal = database_refusal(exc)
    if refusal is None:
        raise exc  # a bug: Django logs it and answers 500
    return api.create_response(request, refusal.as_body(), status=refusal.status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, status_body(404, "Not found."), status=404)


def _register_routers() -> None:
    from plantwright.accounts.api import router as accounts_router
    from plantwright.accounts.api_people import router as people_router
    from plantwright.assets.api import router as assets_router
    from plantwright.downtime.api import router as downtime_router
    from plantwright.downtime.api_rules import router as downtime_rules_router
    from plantwright.erp.api import router as erp_router
    from plantwright.erp.api_connector import router as connector_router
    from plantwright.inventory.api import router as inventory_router
    from plantwright.maintenance.api import router as maintenance_router
    from plantwright.maintenance.api_costs import router as costs_router
    from plantwright.maintenance.api_history import router as history_router
    from plantwright.maintenance.api_periods import router as periods_router
    from plantwright.outbox.api import router as outbox_router
    from plantwright.pm.api import router as pm_router
    from plantwright.procurement.api import router as procurement_router
    from plantwright.reliability.api import router as reliability_router
    from plantwright.reliability.api_audit import router as audit_router

    api.add_router("", accounts_router)
    api.add_router("", people_router)
    api.add_router("", assets_router)
    api.add_router("", maintenance_router)
    api.add_router("", costs_router)
    api.add_router("", history_router)
    api.add_router("", periods_router)
    api.add_router("", inventory_router)
    api.add_router("", procurement_router)
    api.add_router("", erp_router)
    api.add_router("", connector_router)
    api.add_router("", outbox_router)
    api.add_router("", downtime_router)
    api.add_router("", downtime_rules_router)
    api.add_router("", pm_router)
    api.add_router("", reliability_router)
    api.add_router("", audit_router)


def _document_refused_input() -> None:
    """Every operation that takes parameters or a body can answer 422 (the schema refused the input):
    the OpenAPI schema says so for each, not only where a view raises it itself."""
    from plantwright.core.http.schemas import ErrorBody

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                takes_input = any(model.__ninja_param_source__ != "auth" for model in operation.models)
                if takes_input and 422 not in operation.response_models:
                    operation.response_models[422] = operation._create_response_model(ErrorBody)


_register_routers()
_document_refused_input()
