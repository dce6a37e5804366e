"""Idempotency-Key: a change sent twice with one key is made once, page form or API, also when the
two arrive at the same moment; a refusal keeps no answer; another request under the same key is
refused."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from plantwright.accounts.idempotency import purge_idempotency_keys
from plantwright.accounts.models import IdempotentRequest
from plantwright.maintenance import services
from plantwright.maintenance.models import LaborEntry
from plantwright.testing import factories


@pytest.fixture
def work_order(planner, asset, site, technician):
    factories.labor_rate(site, technician=technician)
    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Seal")
    services.transition_work_order(planner, wo, to="approved")
    wo = services.transition_work_order(planner, wo, to="in_progress")
    wo.technician_pk = technician.pk
    return wo


def _api_labor(client, token, work_order, key, hours="1.00"):
    body = {"technician": work_order.technician_pk, "hours": hours, "work_date": timezone.localdate().isoformat()}
    return client.post(
        f"/api/v1/work-orders/{work_order.pk}/labor",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


@pytest.fixture
def token(technician):
    from plantwright.accounts.services import create_token

    return create_token(technician, "phone").secret


def test_the_api_books_an_hour_once_for_one_key(client, token, work_order):
    first = _api_labor(client, token, work_order, "phone-0001")
    again = _api_labor(client, token, work_order, "phone-0001")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert LaborEntry.objects.filter(work_order=work_order).count() == 1
    assert _api_labor(client, token, work_order, "phone-0002").status_code == 201
    assert LaborEntry.objects.filter(work_order=work_order).count() == 2


def test_a_key_used_for_another_request_is_refused_and_nothing_is_written(client, token, work_order):
    assert _api_labor(client, token, work_order, "phone-0001").status_code == 201
    other = _api_labor(client, token, work_order, "phone-0001", hours="2.00")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert LaborEntry.objects.filter(work_order=work_order).count() == 1


def test_a_malformed_key_is_refused(client, token, work_order):
    response = _api_labor(client, token, work_order, "no spaces allowed")
    assert response.status_code == 422 and response.json()["error"]["code"] == "idempotency_key_invalid"
    assert not LaborEntry.objects.exists()


def test_a_refusal_keeps_no_answer_so_a_corrected_retry_runs(client, token, work_order):
    refused = _api_labor(client, token, work_order, "phone-0001", hours="30.00")
    assert refused.status_code == 422 and not IdempotentRequest.objects.exists()
    assert _api_labor(client, token, work_order, "phone-0001").status_code == 201


def test_keys_are_per_caller(client, token, work_order, planner):
    from plantwright.accounts.services import create_token

    assert _api_labor(client, token, work_order, "shared-key-1").status_code == 201
    planner_token = create_token(planner, "desk").secret
    factories.labor_rate(work_order.site, technician=planner)
    response = client.post(
        f"/api/v1/work-orders/{work_order.pk}/labor",
        json.dumps({"technician": planner.pk, "hours": "1.00", "work_date": timezone.localdate().isoformat()}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {planner_token}", "Idempotency-Key": "shared-key-1"},
    )
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert LaborEntry.objects.count() == 2


def test_a_page_form_sent_again_with_a_fresh_csrf_token_is_made_once(technician, work_order):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(technician)
    answers = []
    for _ in range(2):  # each send as a phone replays it: the token read anew from the page
        browser.get(f"/work-orders/{work_order.pk}/")
        form = {
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
            "technician": technician.pk,
            "hours": "1",
            "overtime_multiplier": "1",
            "work_date": timezone.localdate().isoformat(),
        }
        answers.append(
            browser.post(f"/work-orders/{work_order.pk}/labor/", form, headers={"Idempotency-Key": "offline-0001"})
        )
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert LaborEntry.objects.filter(work_order=work_order).count() == 1


def test_old_answers_are_forgotten(client, token, work_order):
    _api_labor(client, token, work_order, "phone-0001")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert purge_idempotency_keys() == 1 and not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_key_at_the_same_moment_books_once(token, work_order):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's concurrent transactions")
    barrier, answers = threading.Barrier(4), []

    def send():
        barrier.wait()
        answers.append(_api_labor(Client(), token, work_order, "race-0001").status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 4
    assert LaborEntry.objects.filter(work_order=work_order).count() == 1


def test_a_body_that_cannot_be_read_is_refused_by_the_api_as_ever(client, token, work_order):
    """A multipart body without its boundary: the key changes nothing about the API's own 4xx answer."""
    response = client.post(
        f"/api/v1/work-orders/{work_order.pk}/labor",
        b"--x\r\n",
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "phone-0009"},
    )
    assert 400 <= response.status_code < 500 and "error" in response.json()
    assert not IdempotentRequest.objects.exists() and not LaborEntry.objects.exists()
