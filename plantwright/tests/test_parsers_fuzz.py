"""Every parser of outside input, fed anything: ERP events, downtime events (HTTP and MQTT), meter
readings, CSV asset registers. Whatever arrives, each item is applied or refused with a machine-readable
reason, never an exception, and a refused item leaves nothing half-written (bad input is a clear 4xx).

Two kinds of input: any JSON value at all, and near-misses, objects with the right keys holding
values of any type (what a buggy integration sends)."""

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.assets.imports import COLUMNS, import_assets
from plantwright.assets.models import Asset
from plantwright.core import json_reader
from plantwright.core.errors import ValidationFailed
from plantwright.downtime.models import DowntimeEvent
from plantwright.downtime.services import Incoming, ingest, ingest_items
from plantwright.downtime.services.readings import ingest_readings
from plantwright.procurement.events import ingest as ingest_erp_events
from plantwright.procurement.models import ErpEvent
from plantwright.testing import factories

# What the entrances let through: JSON (no NaN or Infinity, test below) without NUL characters
# (refused at every entrance: plantwright/tests/test_security.py and the MQTT tests).
text = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON can hold: the entrances refuse the rest (below)
    text,
    st.sampled_from(["", "2026-11-20T06:00:00Z", "2026-02-30", "1e999", "NaN", "-0", "４２", "P-101"]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


def near(keys: list[str]):
    """Objects with (some of) the expected keys, each holding anything."""
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys))


ERP_KEYS = ["event_id", "type", "occurred_at", "po_number", "currency", "vendor", "lines", "receipt_number",
            "invoice_number", "request_line", "po_line", "quantity", "unit_price", "amount"]  # fmt: skip
DOWNTIME_KEYS = ["event_id", "machine_id", "started_at", "ended_at", "category", "reason_code", "text"]
READING_KEYS = ["meter", "value", "read_at"]

# A register as a spreadsheet might write it: known columns (now and then a wrong one), cells that
# collide (codes, parents that loop), near-miss dates and choices, quotes, delimiters and line breaks.
cells = st.one_of(
    st.sampled_from(["", "A", "B", "C", "FZ-1", "L1", "fz-m1", "high", "HIGH", "urgent", "2024-03-01",
                     "2024-02-30", "2024-03-01T08:00:00+03:00", "31.12.2024", '"', ";", "\n", " x "]),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def registers(draw) -> bytes:
    optional = draw(st.lists(st.sampled_from([*COLUMNS, "nmae"]), max_size=5, unique=True))
    header = draw(st.permutations(list(dict.fromkeys(["code", "name", *optional]))))
    width = len(header) + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))  # now and then a ragged row
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from(",;\t")))
    writer.writerows([header, *rows])
    return draw(st.sampled_from(["", "\ufeff"])).encode() + out.getvalue().encode()


class TestParsers(TestCase):
    def plant(self):  # inside each example: hypothesis rolls every example back
        self.site = factories.SiteFactory(code="fz")
        self.oee = factories.UserFactory(username="fz-oee", roles=[(self.site, Role.INTEGRATION)])
        self.asset = factories.AssetFactory(site=self.site, code="FZ-1", oee_machine_id="fz-m1")
        self.asset.meters.create(code="run-h", name="Running hours", unit="h")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(events=st.lists(st.one_of(json_values, near(ERP_KEYS)), min_size=1, max_size=5))
    def test_erp_events(self, events):
        self.plant()
        results = ingest_erp_events(self.site, "api:fz", events)
        assert len(results) == len(events)
        for result in results:
            assert result.status in ("applied", "replayed", "rejected", "ignored", "parked"), result
            if result.status == "rejected":
                assert result.error.get("code"), result
        assert ErpEvent.objects.count() <= len(events)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(events=st.lists(st.one_of(json_values, near(DOWNTIME_KEYS)), min_size=1, max_size=5))
    def test_downtime_events_over_http(self, events):
        self.plant()
        results = ingest(self.oee, events, source="http:fz")
        assert len(results) == len(events)
        for result in results:
            assert result.status in ("applied", "replayed", "rejected"), result
            if result.status == "rejected":
                assert result.error.get("code"), result
        assert DowntimeEvent.objects.count() <= len(events)  # one record per event at most, refused or not

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        raws=st.lists(st.one_of(json_values, near(DOWNTIME_KEYS)), min_size=1, max_size=4),
        machine=st.sampled_from(["fz-m1", "unknown", ""]),
    )
    def test_downtime_events_over_mqtt(self, raws, machine):
        self.plant()
        ingest_items(self.oee, [Incoming(raw, "mqtt:pw/fz/downtime/x", self.site, machine) for raw in raws])
        assert DowntimeEvent.objects.count() <= len(raws)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raws=st.lists(st.one_of(json_values, near(READING_KEYS)), min_size=1, max_size=4))
    def test_meter_readings_over_mqtt(self, raws):
        self.plant()
        recorded = ingest_readings(self.oee, [Incoming(raw, "mqtt:pw/fz/meters/fz-m1", self.site, "fz-m1")
                                              for raw in raws])  # fmt: skip
        readings = self.asset.meters.get().readings.all()
        assert recorded == readings.count() <= len(raws)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.one_of(registers(), st.binary(max_size=200)))
    def test_csv_asset_registers(self, data):
        self.plant()
        planner = factories.UserFactory(username="fz-planner", roles=[(self.site, Role.PLANNER)])
        before = list(Asset.objects.values_list("pk", "code", "name", "parent_id", "oee_machine_id"))
        try:
            checked = import_assets(planner, self.site, data, apply=False)
        except ValidationFailed as error:
            event(error.code)
            assert error.code and error.message
            with pytest.raises(ValidationFailed):  # the same refusal when applied
                import_assets(planner, self.site, data, apply=True)
            assert list(Asset.objects.values_list("pk", "code", "name", "parent_id", "oee_machine_id")) == before
            return
        event("imported")
        assert Asset.objects.count() == len(before)  # a check writes nothing
        applied = import_assets(planner, self.site, data, apply=True)
        assert (applied.created, applied.updated, applied.unchanged) == (
            checked.created, checked.updated, checked.unchanged,
        )  # fmt: skip
        assert Asset.objects.count() == len(before) + len(applied.created)


@pytest.mark.django_db
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_every_entrance_refuses_what_json_cannot_hold(api_as, site, asset, planner, constant):
    from plantwright.downtime.management.commands.mqtt_ingest import _decode

    oee = factories.UserFactory(username="nan-oee", roles=[(site, Role.INTEGRATION)])
    machine = asset.oee_machine_id
    event = f'{{"event_id": "n-1", "machine_id": "{machine}", "started_at": {constant}, "category": "breakdown"}}'
    status, body = api_as(oee).post("/downtime-events", raw=event)
    assert status == 400 and body["error"]["code"] == "malformed_json"
    status, body = api_as(planner).post("/work-requests", raw=f'{{"asset": {asset.pk}, "title": "x", "n": {constant}}}')
    assert status == 400 and body["error"]["code"]  # the body cannot be read, as any malformed JSON
    manager = factories.UserFactory(username="nan-admin", roles=[(site, Role.ADMIN)])
    status, body = api_as(manager).post(
        f"/erp/events?site={site.code}", raw=f'[{{"event_id": "e", "amount": {constant}}}]'
    )
    assert status == 400 and body["error"]["code"] == "malformed_json"
    assert _decode(f'{{"value": {constant}}}'.encode()) == (None, f"The message is not JSON: {constant} is not JSON.")
    assert not DowntimeEvent.objects.exists() and not ErpEvent.objects.exists()


# What every entrance reads first: the bounded JSON reader (plantwright/json_reader.py), fed raw text.
@st.composite
def outside_json(draw) -> bytes:
    depth = draw(st.integers(min_value=1, max_value=3000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"k":', "}"), ('[{"k":', "}]")]))
    number = draw(st.sampled_from(["1e400", "-1e400", "1e-400", "1E308", "2e308", "9" * 60, str(2**64), "-0", "0.5"]))
    long = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=5000))
    leaf = draw(st.sampled_from([number, json.dumps(long), '"\\ud800"', '"\\ud83d\\ude00"', "NaN", "null"]))
    whole = draw(st.booleans())
    text = opener * depth + leaf + (closer * depth if whole else "")
    return draw(st.sampled_from([text, json.dumps({"event_id": long, "n": leaf}), leaf])).encode()


class TestOutsideJson(TestCase):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.one_of(outside_json(), st.binary(max_size=100)))
    def test_any_text_is_read_or_refused_as_malformed_and_what_is_read_can_be_kept(self, raw):
        try:
            value = json_reader.loads(raw)
        except json_reader.MalformedJson as error:
            event(error.details["reason"])
            assert error.status == 400 and error.code == "malformed_json"
            return
        event("read")
        site = factories.SiteFactory(code="js")
        stored = DowntimeEvent.objects.create(
            site=site, source="t", event_id="js-1", payload={"raw": value}, status="rejected"
        )
        stored.refresh_from_db()
        assert stored.payload == {"raw": value}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"event_id": "e-1", "machine_id": "m", "started_at": 1e400, "category": "breakdown"}',
        '{"event_id": "e-2", "quantity": ' + "9" * 5000 + "}",
        '{"event_id": "e-3", "text": "\\udfff"}',
    ],
    ids=["deep", "infinity", "long-number", "lone-surrogate"],
)
def test_every_http_entrance_refuses_hostile_json_with_400_malformed_json(api_as, site, asset, planner, body):
    oee = factories.UserFactory(username="h-oee", roles=[(site, Role.INTEGRATION)])
    admin = factories.UserFactory(username="h-admin", roles=[(site, Role.ADMIN)])
    for client, path in [
        (api_as(oee), "/downtime-events"),
        (api_as(admin), f"/erp/events?site={site.code}"),
        (api_as(planner), "/work-requests"),
    ]:
        status, answer = client.post(path, raw=body)
        assert status == 400 and answer["error"]["code"] == "malformed_json", (path, answer)
    assert not DowntimeEvent.objects.exists() and not ErpEvent.objects.exists()
