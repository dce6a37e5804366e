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
