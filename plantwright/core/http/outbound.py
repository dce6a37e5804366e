"""Where Plantwright may connect to on an administrator's word (ERP webhooks, Tryton, the OEE webhook).

A URL typed on a settings page is a request the server makes from inside the plant's network: left
open, a site administrator could point it at the database host, a cloud metadata address or an
internal admin page and read the answer through the outbox page, or use "Check the connection" to
scan ports. So a URL must be http(s), and every address its host resolves to must be public, unless
the installation allows it in `OUTBOUND_ALLOWED_NETWORKS` (CIDRs, host names, or `.domain` for a
domain and its hosts: e.g. the ERP on the plant network). It is checked when the URL is saved and
again before each connection (a name may resolve elsewhere later). What the far side answers is
never shown beyond its status and reason.
"""

import ipaddress
import re
import socket
import time
from urllib.parse import urlsplit

from django.conf import settings

from plantwright.core.errors import ValidationFailed


class AddressNotAllowed(ValidationFailed):
    code = "address_not_allowed"


def _allowed() -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], set[str]]:
    networks, names = [], set()
    for entry in settings.OUTBOUND_ALLOWED_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return networks, names


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


# An address found allowed stays allowed this long (per URL and allow-list): an outbox worker
# delivering hundreds of messages a second to one ERP need not resolve its name for each.
PASSED_FOR_SECONDS = 30.0
_passed: dict[tuple[str, tuple[str, ...]], float] = {}


def check_url(url: str, *, field: str = "url") -> None:
    """Raise AddressNotAllowed unless `url` is http(s) to a public address or an allowed one."""
    key = (url, tuple(settings.OUTBOUND_ALLOWED_NETWORKS))
    if time.monotonic() - _passed.get(key, float("-inf")) < PASSED_FOR_SECONDS:
        return
    _check(url, field)
    if len(_passed) > 1000:
        _passed.clear()
    _passed[key] = time.monotonic()


def _check(url: str, field: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressNotAllowed("Only http:// and https:// addresses can be used.", details={"field": field})
    host = parts.hostname.lower().rstrip(".")
    networks, names = _allowed()
    if host in names or any(name.startswith(".") and (host + ".").endswith(name + ".") for name in names):
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise AddressNotAllowed(
            f"{host} cannot be resolved.", code="address_unresolvable", details={"field": field}
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not _public(address) and not any(address in network for network in networks):
            raise AddressNotAllowed(
                f"{host} is a private, loopback or link-local address. An administrator of the installation "
                "can allow it with OUTBOUND_ALLOWED_NETWORKS.",
                details={"field": field, "host": host},
            )


_UNSAFE = re.compile(r"[^\w .,:;()'-]+")


def short_reason(status: int, reason: str = "") -> str:
    """What may be shown of a far side's answer: its status and a short, plain reason phrase."""
    phrase = _UNSAFE.sub("", reason or "")[:60].strip()
    return f"HTTP {status}" + (f" {phrase}" if phrase else "")
