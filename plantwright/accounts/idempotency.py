"""`Idempotency-Key` on any change (API or page form): the first request with a key runs and its
answer is kept; the same key again, from the same caller with the same content, gets that answer
without running again, so a phone replaying its offline queue, or a client retrying after an answer
was lost, books each hour once (docs/shop-floor.md §Offline).

The key is reserved in the same transaction as the change it guards, so the two commit together: a
second request with the key waits for the first and then reads its answer. Only successes (2xx and
3xx) are kept: a refusal wrote nothing, so the key stays free for a corrected retry.
"""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import timezone

from plantwright.accounts.models import ApiToken, IdempotentRequest
from plantwright.core.errors import ValidationFailed

HEADER = "Idempotency-Key"
KEY = re.compile(r"[A-Za-z0-9._:-]{8,100}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in UNSAFE:
            return self.get_response(request)
        if not KEY.fullmatch(key):
            return _refuse(request, ValidationFailed(code="idempotency_key_invalid", details={"header": HEADER}))
        scope = _scope(request)
        if scope is None:  # nobody signed in: the view refuses it, and there is nothing to keep
            return self.get_response(request)
        try:
            fingerprint = _fingerprint(request)
        except (MultiPartParserError, UnreadablePostError, SuspiciousOperation):
            return self.get_response(request)  # a body nobody can read: the view refuses it as it always has
        kept = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if kept is not None:
            return _replay(request, kept, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(scope=scope, key=key, fingerprint=fingerprint)
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                elif response.status_code >= 400 or response.streaming:
                    record.delete()
                else:
                    record.status = response.status_code
                    record.content_type = response.get("Content-Type", "")
                    record.location = response.get("Location", "")
                    record.body = response.content
                    record.save(update_fields=["status", "content_type", "location", "body"])
        except IntegrityError:
            # The same key ran at the same moment and committed first: answer as it was answered.
            kept = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if kept is None:
                raise
            return _replay(request, kept, fingerprint)
        return response


def purge_idempotency_keys() -> int:
    """Forget answers older than `IDEMPOTENCY_KEEP_DAYS` (periodic)."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEEP_DAYS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _scope(request: HttpRequest) -> str | None:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + ApiToken.digest_of(header[7:].strip())[:64]
    return None


def _fingerprint(request: HttpRequest) -> str:
    """What the request asks: method, path and content, read as fields for forms (a form sent again
    carries a fresh CSRF token and multipart boundary, yet asks the same)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type in FORMS:
        for name, values in sorted(request.POST.lists()):
            if name != "csrfmiddlewaretoken":
                digest.update(repr((name, values)).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(request: HttpRequest, kept: IdempotentRequest, fingerprint: str) -> HttpResponse:
    if kept.fingerprint != fingerprint:
        return _refuse(request, ValidationFailed(code="idempotency_key_reused", details={"header": HEADER}))
    response = HttpResponse(bytes(kept.body), status=kept.status, content_type=kept.content_type or None)
    if kept.location:
        response["Location"] = kept.location
    response["Idempotent-Replayed"] = "true"
    return response


def _refuse(request: HttpRequest, error: ValidationFailed) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_body(), status=error.status)
    return render(request, "error.html", {"error": error}, status=error.status)
