"""Meters and readings: refused when they cannot be true, stored once when sent twice."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.assets.meters import create_meter, record_meter_reading
from plantwright.assets.models import Meter, MeterReading
from plantwright.core.errors import ValidationFailed
from plantwright.testing import factories

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture
def hours_meter(asset):
    return Meter.objects.create(asset=asset, code="run-h", name="Running hours", unit="h", max_rate_per_hour=1)


def post(api, asset, meter, value, read_at):
    return api.post(f"/assets/{asset.pk}/meter-readings", {"meter": meter, "value": value, "read_at": read_at})


def test_a_technician_records_readings_and_a_replay_is_stored_once(api_as, technician, asset, hours_meter):
    api = api_as(technician)
    status, reading = post(api, asset, "run-h", "100.0", "2026-11-01T06:00:00+00:00")
    assert status == 201 and reading["value"] == "100.0000" and reading["source"] == "api:" + technician.username
    assert post(api, asset, "run-h", "100.0", "2026-11-01T09:00:00+03:00")[0] == 200  # same instant, same value
    status, error = post(api, asset, "run-h", "101", "2026-11-01T06:00:00Z")
    assert status == 409 and error["error"]["code"] == "reading_conflict"
    status, meters = api.get(f"/assets/{asset.pk}/meters")
    assert meters[0]["last_value"] == "100.0000" and MeterReading.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "read_at", "code"),
    [
        ("90", "2026-11-02T06:00:00Z", "meter_went_backwards"),  # less than the day before
        ("130", "2026-11-02T06:00:00Z", "impossible_jump"),  # 30 h of running in 24 h
        ("105", "2099-01-01T00:00:00Z", "time_in_future"),
        ("-1", "2026-10-01T06:00:00Z", "negative_reading"),
    ],
)
def test_impossible_readings_are_refused_with_the_reason(api_as, technician, asset, hours_meter, value, read_at, code):
    api = api_as(technician)
    post(api, asset, "run-h", "100", "2026-11-01T06:00:00Z")
    status, error = post(api, asset, "run-h", value, read_at)
    assert status == 422 and error["error"]["code"] == code
    assert MeterReading.objects.count() == 1


def test_a_late_reading_must_fit_between_its_neighbours(api_as, technician, asset, hours_meter):
    api = api_as(technician)
    post(api, asset, "run-h", "100", "2026-11-01T06:00:00Z")
    post(api, asset, "run-h", "120", "2026-11-02T06:00:00Z")
    assert post(api, asset, "run-h", "110", "2026-11-01T18:00:00Z")[0] == 201
    status, error = post(api, asset, "run-h", "125", "2026-11-01T20:00:00Z")  # above the later 120
    assert status == 422 and error["error"]["code"] == "meter_went_backwards"


def test_bad_input(api_as, technician, requester, asset, hours_meter, other_site):
    api = api_as(technician)
    status, error = post(api, asset, "nope", "1", "2026-11-01T06:00:00Z")
    assert (
        status == 422 and error["error"]["code"] == "unknown_meter" and error["error"]["details"]["meters"] == ["run-h"]
    )
    assert post(api, asset, "run-h", 100, "2026-11-01T06:00:00Z")[0] == 422  # a number, not a decimal string
    assert post(api, asset, "run-h", "1", "yesterday")[0] == 422
    assert post(api_as(requester), asset, "run-h", "1", "2026-11-01T06:00:00Z")[0] == 403
    elsewhere = factories.AssetFactory(site=other_site, code="X-1")
    assert post(api, elsewhere, "run-h", "1", "2026-11-01T06:00:00Z")[0] == 404


def test_a_gauge_may_go_down(technician, asset):
    gauge = Meter.objects.create(asset=asset, code="temp", name="Bearing temperature", unit="°C", kind="gauge")
    for hour, value in enumerate(["60", "75", "58"]):
        record_meter_reading(technician, asset, meter_code="temp", value=Decimal(value),
                             read_at=T0 + timedelta(hours=hour), source="test", now=NOW)  # fmt: skip
    assert gauge.readings.count() == 3


def test_planners_define_meters_once_per_code(api_as, planner, technician, asset):
    status, meter = api_as(planner).post(
        f"/assets/{asset.pk}/meters", {"code": "cycles", "name": "Press cycles", "unit": "cycles"}
    )
    assert status == 201 and meter["kind"] == "cumulative"
    assert api_as(planner).post(f"/assets/{asset.pk}/meters", {"code": "cycles", "name": "x", "unit": "x"})[0] == 409
    assert api_as(technician).post(f"/assets/{asset.pk}/meters", {"code": "km", "name": "x", "unit": "km"})[0] == 403
    with pytest.raises(ValidationFailed):
        create_meter(planner, asset, code="odd", name="x", unit="x", max_rate_per_hour=Decimal(0))


class TestReadingsInAnyOrder(TestCase):
    """A run of true readings of a running-hours meter is accepted whatever order it arrives in."""

    @settings(max_examples=40, deadline=None)
    @given(steps=st.lists(st.integers(0, 60), min_size=1, max_size=12), order=st.randoms(use_true_random=False))
    def test_true_readings_pass_in_any_order(self, steps, order):
        site = factories.SiteFactory(code="hyp")
        user = factories.UserFactory(username="tech-hyp", roles=[(site, Role.TECHNICIAN)])
        asset = factories.AssetFactory(site=site, code="M-1")
        Meter.objects.create(asset=asset, code="run-h", name="h", unit="h", max_rate_per_hour=1)
        readings, value = [], Decimal(1000)
        for index, minutes_run in enumerate(steps):  # every hour the machine runs 0..60 minutes
            value += Decimal(minutes_run) / 60
            readings.append((T0 + timedelta(hours=index + 1), value))
        order.shuffle(readings)
        for read_at, reading in readings:
            record_meter_reading(user, asset, meter_code="run-h", value=reading, read_at=read_at, source="t", now=NOW)
        assert MeterReading.objects.filter(meter__asset=asset).count() == len(steps)


def test_readings_typed_on_the_asset_page(as_user, technician, requester, asset, hours_meter):
    client = as_user(technician)
    page = client.get(f"/assets/{asset.pk}/")
    assert b'id="meters"' in page.content and b'name="read_at"' in page.content
    url = f"/assets/{asset.pk}/meter-readings/"
    assert client.post(url, {"meter": "run-h", "value": "100,5", "read_at": "2026-11-20T08:00"}).status_code == 302
    assert client.post(url, {"meter": "run-h", "value": "90", "read_at": "2026-11-21T08:00"}).status_code == 302
    assert client.post(url, {"meter": "run-h", "value": "lots", "read_at": "2026-11-21T08:00"}).status_code == 302
    assert list(MeterReading.objects.values_list("value", flat=True)) == [Decimal("100.5")]  # the others refused
    page = client.get(f"/assets/{asset.pk}/")
    assert b"100.5 h" in page.content
    assert (
        as_user(requester).post(url, {"meter": "run-h", "value": "101", "read_at": "2026-11-22T08:00"}).status_code
        == 403
    )
    assert b'name="read_at"' not in as_user(requester).get(f"/assets/{asset.pk}/").content
