"""No settings page may become a probe (issue 24): connector URLs must be public unless the installation
allows an address, nothing of a far side's answer is shown beyond its status and reason, and a
password is sent only to the URL it was typed for."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from plantwright.accounts.roles import Role
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.outbound import check_url, short_reason
from plantwright.erp import services as erp_services
from plantwright.erp.models import TrytonConnection
from plantwright.erp.tryton.connector import client_for
from plantwright.erp.tryton.rpc import TrytonError
from plantwright.outbox.registry import PermanentError, RetryableDeliveryError
from plantwright.outbox.webhooks import post_signed
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings):
    """The default: no private address allowed."""
    settings.OUTBOUND_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://localhost/",
        "http://10.1.2.3/erp",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "ftp://erp.example.com/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_private_loopback_link_local_and_odd_schemes_are_refused(closed, url):
    with pytest.raises(ValidationFailed) as refused:
        check_url(url)
    assert refused.value.code == "address_not_allowed"


def test_the_installation_allows_its_own_networks_and_names(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.0.0.0/8", "erp.plant.local", ".corp.example"]
    check_url("http://10.1.2.3/")
    check_url("https://erp.plant.local/")
    check_url("https://tryton.corp.example/")
    with pytest.raises(ValidationFailed):
        check_url("http://192.168.1.1/")


def test_a_site_admin_cannot_point_a_connector_inside_the_network(closed, site):
    admin = factories.UserFactory(username="ssrf-admin", roles=[(site, Role.ADMIN)])
    for fields in (
        {"connector": "webhook", "webhook_url": "http://127.0.0.1:5432/"},
        {"connector": "tryton", "tryton_url": "http://169.254.169.254/", "tryton_database": "d",
         "tryton_username": "u", "tryton_password": "p", "tryton_warehouse_code": "WH"},
    ):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            erp_services.configure_site(admin, site, **fields)
        assert refused.value.code == "address_not_allowed"
    assert not TrytonConnection.objects.exists()


class _Internal(BaseHTTPRequestHandler):
    """An internal page that must never be read through Plantwright."""

    seen: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        _Internal.seen.append({"path": self.path, "body": self.rfile.read(length)})
        self.send_response(int(self.path.strip("/").split("/")[0] or 500), "Internal <b>Error</b>\x07")
        self.end_headers()
        self.wfile.write(b"db_password=hunter2 SECRET-INTERNAL-PAGE")

    def log_message(self, *args):
        pass


@pytest.fixture
def internal():
    server = HTTPServer(("127.0.0.1", 0), _Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Internal.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_no_answer_body_reaches_the_outbox(internal, site):
    from plantwright.erp.models import WebhookEndpoint

    for status, kind in ((500, RetryableDeliveryError), (404, PermanentError)):
        endpoint = WebhookEndpoint(site=site, url=f"{internal}/{status}")
        with pytest.raises(kind) as failed:
            post_signed(endpoint, {"type": "t"}, idempotency_key="k")
        assert str(failed.value) == f"HTTP {status} Internal bErrorb from {internal}/{status}"
        assert "SECRET" not in str(failed.value) and "hunter2" not in str(failed.value)


def test_a_blocked_address_is_never_connected_to(internal, site, settings):
    from plantwright.erp.models import WebhookEndpoint

    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(PermanentError, match="private, loopback or link-local"):
        post_signed(WebhookEndpoint(site=site, url=f"{internal}/200"), {"type": "t"}, idempotency_key="k")
    assert _Internal.seen == []


def test_short_reasons_carry_no_markup_or_control_characters():
    assert short_reason(502, "Bad <script>x</script> Gateway\r\n\x1b[31m") == "HTTP 502 Bad scriptxscript Gateway31m"


def _tryton(site, url="https://erp.example/"):
    admin = factories.UserFactory(username=f"t-admin-{site.code}", roles=[(site, Role.ADMIN)])
    fields = {"tryton_url": url, "tryton_database": "plant", "tryton_username": "pw", "tryton_warehouse_code": "WH"}
    erp_services.configure_site(admin, site, connector="tryton", tryton_password="s3cret", **fields)
    return admin, fields


def test_a_changed_tryton_url_needs_the_password_again(site):
    admin, fields = _tryton(site)
    connection = TrytonConnection.objects.get()
    assert connection.secret() == "s3cret"
    with pytest.raises(ValidationFailed) as refused:  # repointed without the password
        erp_services.configure_site(
            admin, site, connector="tryton", **{**fields, "tryton_url": "https://evil.example/"}
        )
    assert refused.value.code == "password_needed"
    connection.refresh_from_db()
    assert (connection.url, connection.secret()) == ("https://erp.example/", "s3cret")  # nothing changed
    erp_services.configure_site(admin, site, connector="builtin", **{**fields, "tryton_url": "https://evil.example/"})
    connection.refresh_from_db()
    assert connection.password == "" and connection.secret() == ""  # switched off and repointed: forgotten
    with pytest.raises(TrytonError, match="enter it again"):
        client_for(connection)  # the check and the poller send nothing


def test_an_environment_password_is_sent_only_where_it_was_confirmed(site, monkeypatch):
    monkeypatch.setenv(f"PLANTWRIGHT_TRYTON_PASSWORD_{site.code.upper()}", "from-env")
    admin = factories.UserFactory(username="env-admin", roles=[(site, Role.ADMIN)])
    fields = {"tryton_url": "https://erp.example/", "tryton_database": "plant", "tryton_username": "pw",
              "tryton_warehouse_code": "WH"}  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        erp_services.configure_site(admin, site, connector="tryton", tryton_password="guess", **fields)
    assert refused.value.code == "password_mismatch"
    erp_services.configure_site(admin, site, connector="tryton", tryton_password="from-env", **fields)
    connection = TrytonConnection.objects.get()
    assert connection.password == "" and connection.secret() == "from-env"  # never copied into the database
    connection.url = "https://evil.example/"  # repointed behind the form's back
    assert connection.secret() == ""


def test_the_connection_check_says_unreachable_and_nothing_of_the_answer(as_user, site, internal):
    admin, _ = _tryton(site, url=f"{internal}/500")
    page = as_user(admin).post(f"/sites/{site.pk}/connector/", {"check_tryton": "1"}).content.decode()
    assert "Tryton cannot be reached" in page and "HTTP 500" in page
    assert "SECRET" not in page and "hunter2" not in page


def test_an_allowed_address_is_not_resolved_again_for_every_delivery(monkeypatch, settings):
    import socket

    from plantwright.core.http import outbound

    settings.OUTBOUND_ALLOWED_NETWORKS = ["203.0.113.0/24"]
    monkeypatch.setattr(outbound, "_passed", {})
    lookups = []
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: lookups.append(a) or [(0, 0, 0, "", ("203.0.113.7", 443))]
    )
    for _ in range(5):
        check_url("https://erp.plant.test/")
    assert len(lookups) == 1
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # the allow-list changed: judged afresh
    with pytest.raises(ValidationFailed):
        check_url("https://erp.plant.test/")
