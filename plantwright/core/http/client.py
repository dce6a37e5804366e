"""Who is asking: the client's network address, behind the plant's reverse proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, for the portal's network check and rate limits and for login throttling.

    Behind `PROXY_COUNT` reverse proxies each appends the address it was reached from to
    X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the right; anything further left
    is whatever the client wrote, and never trusted. Without proxies (the default) X-Forwarded-For is
    ignored: anyone could write it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # not through our proxies (a health check on the host): the socket's address
    return forwarded[-proxies]
