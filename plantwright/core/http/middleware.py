"""The middleware of every request: body and character limits before anything reads the body, domain
errors as pages or error bodies, the reader's language."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from plantwright.core.errors import DomainError, ValidationFailed, database_refusal, status_body
from plantwright.core.http.types import CONTROL_CHARACTERS, has_nul


class BodySizeMiddleware:
    """Refuse a body larger than any entrance takes before a byte of it is read: Django would spool
    an upload of any size to disk (and read a form of any size) before authentication or the CSRF
    check, so 300 MB from anyone filled the disk. Uploads (multipart) may carry the largest file
    accepted (`REQUEST_MAX_UPLOAD_BYTES`), anything else `DATA_UPLOAD_MAX_MEMORY_SIZE`. A reverse proxy
    should refuse the same earlier (docs/deploy.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body of an unreadable length
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.REQUEST_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            refusal = DomainError(
                f"The request body is larger than {limit} bytes.",
                code="too_large",
                details={"max_bytes": limit, "bytes": length},
            )
            refusal.status = 413
            if request.path.startswith("/api/"):
                response = JsonResponse(refusal.as_body(), status=413)
            else:
                response = render(request, "error.html", {"error": refusal}, status=413)
            response["Connection"] = "close"  # what is left of the body is not read
            return response
        return self.get_response(request)


class ControlCharacterMiddleware:
    """A page's form holding a control character (other than tab and line breaks) is refused here, for
    every form at once: the API refuses them in its schemas (api_types.Text), and no stored text then
    breaks an export. The person sees why, with a 422."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and not request.path.startswith("/api/") and self._carries_control(request):
            refusal = ValidationFailed(
                _("The form holds an invisible control character (perhaps pasted): remove it and send again."),
                code="control_character",
            )
            return render(request, "error.html", {"error": refusal}, status=422)
        return self.get_response(request)

    @staticmethod
    def _carries_control(request: HttpRequest) -> bool:
        try:
            values = [value for _key, value in request.POST.lists() for value in value]
        except Exception:  # an unreadable form is Django's to refuse
            return False
        return any(CONTROL_CHARACTERS.search(value) for value in values if isinstance(value, str))


class DomainErrorMiddleware:
    """A domain error escaping a page becomes a readable page with the right status (404/403/409/422);
    a database refusing writes (read-only, disk full) becomes a clear 503, page or API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DatabaseError) and (refusal := database_refusal(exc)):
            # A full disk or a read-only database: the transaction rolled back; say so clearly.
            if request.path.startswith("/api/"):
                return JsonResponse(refusal.as_body(), status=refusal.status)
            return render(request, "error.html", {"error": refusal}, status=refusal.status)
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        return render(request, "error.html", {"error": exc}, status=exc.status)


def _carries_nul(request: HttpRequest) -> bool:
    if has_nul(unquote_to_bytes(request.META.get("QUERY_STRING", ""))):
        return True
    # Uploads are files (photos hold NUL bytes); their fields are checked by their own schema.
    return not request.content_type.startswith("multipart/") and has_nul(request.body)


class ApiErrorBodyMiddleware:
    """Every 4xx of the API carries the error body `{"error": {"code", "message", "details"}}`, also
    those Django answers before reaching our code (a 405's Allow header is kept). Input holding a NUL
    character is refused here, for every operation at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and _carries_nul(request):
            return JsonResponse(status_body(422, "NUL characters (U+0000) are not accepted."), status=422)
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            details = {"allow": response["Allow"]} if response.has_header("Allow") else {}
            replaced = JsonResponse(status_body(response.status_code, details=details), status=response.status_code)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Pages in the user's chosen language, else the browser's; the API in the language its caller
    asks for with `Accept-Language`, English by default (machines read the codes, which never change)."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):  # first, so an API call never loads a session user
            language = _accepted(request.headers.get("Accept-Language", ""))
        else:
            user = getattr(request, "user", None)
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if not language:
            super().process_request(request)
            return
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _accepted(header: str) -> str:
    """The first language of an Accept-Language header that we have, else English."""
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
