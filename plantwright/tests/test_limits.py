"""Bodies larger than any entrance takes are refused before a byte is read, with the error body (issue 24)."""

import io
import json

import pytest

pytestmark = pytest.mark.django_db


class _Untouchable(io.RawIOBase):
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize(
    "path,content_type",
    [
        ("/api/v1/work-orders/1/attachments", "multipart/form-data; boundary=x"),  # the API, with a token or not
        ("/q/ANY-CODE/", "multipart/form-data; boundary=x"),  # the anonymous request portal
        ("/api/v1/downtime-events", "application/json"),
        ("/login/", "application/x-www-form-urlencoded"),
    ],
)
def test_a_huge_body_is_refused_unread_before_authentication(client, path, content_type):
    response = client.generic(
        "POST", path, b"", content_type=content_type, CONTENT_LENGTH=str(300_000_000), **{"wsgi.input": _Untouchable()}
    )
    assert response.status_code == 413
    if path.startswith("/api/"):
        body = json.loads(response.content)
        assert body["error"]["code"] == "too_large" and body["error"]["details"]["bytes"] == 300_000_000


def test_a_json_body_over_the_limit_answers_the_error_body_not_djangos_html(api_as, planner):
    status, body = api_as(planner).post("/work-requests", raw=json.dumps({"title": "x" * 3_000_000}))
    assert status == 413 and body["error"]["code"] == "too_large"


def test_an_upload_up_to_the_attachment_limit_still_passes_the_gate(settings, client):
    settings.ATTACHMENT_MAX_BYTES = 10_000_000
    response = client.generic(
        "POST",
        "/api/v1/work-orders/1/attachments",
        b"--x--",
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 401  # reached authentication


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x0b", "\x7f", "\x01"])
def test_text_with_a_control_character_is_refused_by_the_api_and_the_pages(api_as, as_user, requester, asset, char):
    from plantwright.maintenance.models import WorkRequest

    status, body = api_as(requester).post("/work-requests", {"asset": asset.pk, "title": f"Le{char}ak"})
    assert status == 422 and "control characters" in json.dumps(body)
    page = as_user(requester).post("/requests/new/", {"asset": asset.pk, "title": f"Le{char}ak", "description": ""})
    assert page.status_code == 422 and "control character" in page.content.decode()
    assert not WorkRequest.objects.exists()


def test_tabs_and_line_breaks_stay_allowed(api_as, requester, asset):
    status, body = api_as(requester).post(
        "/work-requests", {"asset": asset.pk, "title": "Leak", "description": "Line one\r\n\tLine two"}
    )
    assert status == 201, body


def test_an_export_drops_control_characters_kept_from_before_and_survives_odd_names(tmp_path):
    from openpyxl import load_workbook

    from plantwright.core.files.spreadsheets import write_xlsx

    target = tmp_path / "out.xlsx"
    write_xlsx(target, "cost/ledger: [IST]*?", ["text"], [["bell\x07 and escape\x1b"], ["=1+1"]])
    sheet = load_workbook(target).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["bell and escape", "'=1+1"]
    assert sheet.title == "cost-ledger- -IST---"


def test_a_download_name_cannot_escape_its_header(as_user, planner, site):
    from plantwright.testing import factories

    location = factories.LocationFactory(site=site, code='X".html\r\n')
    response = as_user(planner).get(f"/locations/{location.pk}/labels.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "inline; filename*=utf-8''labels-X%22.html%0D%0A.pdf"


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "6.6.6.6", "10.0.0.9"),  # no proxy: the header is anyone's to write
        (1, "6.6.6.6, 10.1.2.3", "10.1.2.3"),  # the proxy appended the client; the rest is the client's
        (2, "6.6.6.6, 10.1.2.3, 172.16.0.5", "10.1.2.3"),
        (1, "", "10.0.0.9"),  # not through the proxy (a health check): the socket's address
    ],
)
def test_the_client_address_trusts_only_what_our_proxies_wrote(rf, settings, proxies, forwarded, expected):
    from plantwright.core.http.client import client_address

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
