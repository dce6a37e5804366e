"""Behind the reverse proxy docs/deploy.md describes (a real nginx in front of gunicorn), the portal
sees each client's own address: the plant-network check and the per-address limit hold per client,
and an X-Forwarded-For the client writes itself changes nothing (issue 24)."""

import os
import re
import time

import httpx
import pytest
from django.conf import settings

from plantwright.portal.services import code_for, form_stamp
from plantwright.testing.processes import kill, nginx_available, start_nginx, start_web

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxied():
    if not nginx_available():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing (make test installs nginx-light as root); under CI=true that is a failure.")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    web, upstream = start_web(
        env={
            "PROXY_COUNT": "1",
            "PORTAL_NETWORKS": "127.0.0.2/32,127.0.0.3/32",
            "PORTAL_PER_ADDRESS_PER_HOUR": "1",
            "PORTAL_PER_ASSET_PER_HOUR": "50",
            "SECRET_KEY": settings.SECRET_KEY,  # the form stamps made here are valid there
        }
    )
    proxy, url = start_nginx(upstream)
    yield url
    kill(proxy)
    kill(web)


def _client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=20)


def _report(client: httpx.Client, url: str, asset, **headers) -> int:
    """Open the label's form as a phone would, then send it (a form shown a minute ago)."""
    path = f"{url}/q/{code_for(asset).code}/"
    page = client.get(path, headers=headers)
    if page.status_code != 200:
        return page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = {
        "csrfmiddlewaretoken": token,
        "stamp": form_stamp(asset, issued_at=time.time() - 60),
        "name": "Ayşe",
        "description": "Belt slipping",
        "website": "",
    }
    return client.post(path, data=data, headers={"Referer": path, **headers}).status_code


def test_each_client_behind_the_proxy_is_judged_by_its_own_address(proxied, asset):
    first, second, outsider = _client("127.0.0.2"), _client("127.0.0.3"), _client("127.0.0.4")
    assert _report(first, proxied, asset) == 201
    assert _report(first, proxied, asset) == 429  # its own hourly limit of 1
    assert _report(second, proxied, asset) == 201  # another phone: its own quota, not the proxy's
    # Outside the plant network, claiming to be a phone inside it:
    assert _report(outsider, proxied, asset, **{"X-Forwarded-For": "127.0.0.2"}) == 403
    assert _report(first, proxied, asset, **{"X-Forwarded-For": "127.0.0.9"}) == 429  # a new name buys nothing
