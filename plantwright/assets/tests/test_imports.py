"""The asset register imported from CSV: created, updated, checked first, all or nothing."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plantwright.assets import imports
from plantwright.assets.imports import COLUMNS, import_assets
from plantwright.assets.models import Asset, AssetClass
from plantwright.core.errors import PermissionDenied, ValidationFailed
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

REGISTER = """code,name,parent_code,location_code,asset_class,criticality,commissioned_at,oee_machine_id,erp_cost_center
P-101-M,Feed pump motor,P-101,L1,motor,high,2024-03-01,,CC-1
P-101,Feed pump,,L1,pump,critical,2024-03-01,north-p101,CC-1
P-101-B,Feed pump bearing,P-101-M,,,,,,
"""


@pytest.fixture
def register_site(site):
    site.timezone = "Europe/Istanbul"
    site.save()
    factories.LocationFactory(site=site, code="L1")
    AssetClass.objects.create(code="pump", name="Pump")
    AssetClass.objects.create(code="motor", name="Motor")
    return site


def problems_of(error: ValidationFailed) -> list[tuple[int, str | None]]:
    return [(problem["line"], problem["column"]) for problem in error.details["problems"]]


def test_a_register_creates_assets_parents_first_whatever_the_order(register_site, planner):
    report = import_assets(planner, register_site, REGISTER.encode(), apply=True)

    assert report.applied and report.rows == 3 and report.unchanged == 0 and report.updated == []
    assert report.created == ["P-101", "P-101-M", "P-101-B"]  # parents first
    pump, motor, bearing = (Asset.objects.get(site=register_site, code=code) for code in report.created)
    assert motor.parent == pump and bearing.parent == motor and pump.parent is None
    assert pump.location.code == "L1" and bearing.location is None
    assert pump.asset_class.code == "pump" and pump.criticality == "critical" and bearing.criticality == "medium"
    assert pump.commissioned_at == datetime(2024, 2, 29, 21, tzinfo=UTC)  # midnight in Istanbul (UTC+3)
    assert pump.oee_machine_id == "north-p101" and pump.erp_cost_center == "CC-1" and motor.oee_machine_id is None
    assert pump.history.get().history_user == planner


def test_a_second_import_changes_only_what_differs(register_site, planner):
    import_assets(planner, register_site, REGISTER.encode(), apply=True)
    pump = Asset.objects.get(code="P-101")
    pump.description = "Kept: the file has no description column"
    pump.external_ids = {"sap_equipment": "10004711"}
    pump.save()
    again = (
        "code,name,criticality,oee_machine_id,location_code\n"
        "P-101,Feed pump,low,north-p101-new,\n"
        "P-101-M,Feed pump motor,high,,L1\n"
    )

    report = import_assets(planner, register_site, again.encode(), apply=True)

    assert (report.created, report.updated, report.unchanged) == ([], ["P-101"], 1)
    pump.refresh_from_db()
    assert pump.criticality == "low" and pump.location is None  # an empty cell clears
    assert pump.description == "Kept: the file has no description column"
    assert pump.oee_machine_id == "north-p101-new" and pump.erp_cost_center == "CC-1"
    assert pump.external_ids == {"sap_equipment": "10004711"}
    assert pump.asset_class.code == "pump" and Asset.objects.get(code="P-101-B").parent.code == "P-101-M"


def test_a_check_only_run_reports_the_same_and_writes_nothing(register_site, planner):
    checked = import_assets(planner, register_site, REGISTER.encode(), apply=False)

    assert not Asset.objects.exists()
    assert not checked.applied and checked.created == ["P-101", "P-101-M", "P-101-B"]
    applied = import_assets(planner, register_site, REGISTER.encode(), apply=True)
    assert applied.created == checked.created


def test_every_problem_is_listed_with_its_line_and_column_and_nothing_is_written(register_site, planner, other_site):
    factories.AssetFactory(site=other_site, code="S-1", oee_machine_id="taken")
    text = (
        "code,name,parent_code,location_code,criticality,commissioned_at,oee_machine_id\n"
        "OK-1,Fine,,L1,low,2024-01-01,\n"  # line 2: valid, still not written
        "A-1,Unknown location,,L9,,,\n"
        "A-2,Unknown parent,NOPE,,,,\n"
        "A-3,Bad criticality,,,urgent,,\n"
        "A-4,Bad date,,,,31.12.2024,\n"
        "A-1,Doubled code,,,,,\n"
        "C-1,Cycle one,C-2,,,,\n"
        "C-2,Cycle two,C-1,,,,\n"
        f"{'X' * 41},Too long a code,,,,,\n"
        "A-5,,,,,,\n"
    )

    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, register_site, text.encode(), apply=True)

    assert raised.value.code == "import_invalid"
    assert problems_of(raised.value) == [
        (3, "location_code"),
        (4, "parent_code"),
        (5, "criticality"),
        (6, "commissioned_at"),
        (7, "code"),
        (8, "parent_code"),
        (10, "code"),
        (11, "name"),
    ]
    assert raised.value.details["count"] == 8
    assert not Asset.objects.filter(site=register_site).exists()


def test_a_conflict_met_while_writing_rolls_back_the_rows_before_it(register_site, planner, other_site):
    factories.AssetFactory(site=other_site, code="S-1", oee_machine_id="taken")
    text = "code,name,oee_machine_id\nOK-1,Fine,free\nOK-2,Uses another site's OEE id,taken\n"

    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, register_site, text.encode(), apply=True)

    assert problems_of(raised.value) == [(3, "oee_machine_id")]
    assert not Asset.objects.filter(site=register_site).exists()


def test_the_children_of_a_row_refused_while_writing_are_refused_too(register_site, planner, other_site):
    factories.AssetFactory(site=other_site, code="S-1", oee_machine_id="taken")
    text = "code,name,parent_code,oee_machine_id\nCHILD,Child,TOP,\nTOP,Top,,taken\n"

    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, register_site, text.encode(), apply=True)

    assert problems_of(raised.value) == [(2, "parent_code"), (3, "oee_machine_id")]
    assert not Asset.objects.filter(site=register_site).exists()


def test_a_parent_link_that_would_close_a_loop_with_the_existing_tree_is_refused(site, planner):
    top = factories.AssetFactory(site=site, code="TOP")
    factories.AssetFactory(site=site, code="LOW", parent=top)

    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, site, b"code,name,parent_code\nTOP,Top,LOW\n", apply=True)

    assert problems_of(raised.value) == [(2, "parent_code")]


def test_spreadsheet_flavours_are_read(site, planner):
    # Excel's "CSV UTF-8" with ';' (a comma decimal locale), a byte order mark, CRLF, quoted cells with
    # the delimiter and a line break, header case and spaces, blank lines at the end.
    text = '\ufeffCode ; Name;Description\r\nK-1;"Kompresör; ana";"iki\r\nsatır"\r\n;;\r\n\r\n'

    report = import_assets(planner, site, text.encode(), apply=True)

    assert report.created == ["K-1"]
    compressor = Asset.objects.get(code="K-1")
    assert compressor.name == "Kompresör; ana" and compressor.description == "iki\r\nsatır"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("code,name\nP-1,Pompa\n".encode("cp1254").replace(b"Pompa", "Pompa ş".encode("cp1254")), "not_utf8"),
        (b"", "file_empty"),
        (b"code,nmae\nP-1,Pump\n", "unknown_columns"),
        (b"name,description\nPump,x\n", "missing_columns"),
        (b"code,name,code\nP-1,Pump,P-2\n", "invalid_file"),
        (b"code,name\nP-1,Pump,extra\n", "ragged_row"),
        (b'code,name\nP-1,"Pump\n', "invalid_file"),
        (b"code,name\nP-1,Pu\x00mp\n", "invalid_file"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused_as_a_whole(site, planner, data, code):
    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, site, data, apply=True)

    assert raised.value.code == code
    assert not Asset.objects.exists()


def test_size_and_row_limits(site, planner, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, site, b"code,name\nA,a\nB,b\nC,c\n", apply=True)
    assert raised.value.code == "too_many_rows"
    monkeypatch.setattr(imports, "MAX_BYTES", 10)
    with pytest.raises(ValidationFailed) as raised:
        import_assets(planner, site, b"code,name\nA,a\n", apply=True)
    assert raised.value.code == "file_too_large"


def test_only_those_who_manage_assets_at_the_site_import(site, technician, outsider):
    for user in (technician, outsider):
        with pytest.raises(PermissionDenied):
            import_assets(user, site, b"code,name\nA,a\n", apply=True)
    assert not Asset.objects.exists()


def test_the_api_checks_then_applies_a_file(register_site, planner, api_as):
    api = api_as(planner)
    upload = lambda: {"file": SimpleUploadedFile("register.csv", REGISTER.encode(), "text/csv")}  # noqa: E731

    status, checked = api.upload(f"/asset-imports?site={register_site.pk}&dry_run=true", upload())
    assert status == 200 and checked["applied"] is False and checked["created"] == ["P-101", "P-101-M", "P-101-B"]
    assert not Asset.objects.exists()
    status, applied = api.upload(f"/asset-imports?site={register_site.pk}", upload())
    assert status == 200 and applied["applied"] is True and Asset.objects.count() == 3

    bad = {"file": SimpleUploadedFile("bad.csv", b"code,name\nX,\n", "text/csv")}
    status, body = api.upload(f"/asset-imports?site={register_site.pk}", bad)
    assert status == 422 and body["error"]["code"] == "import_invalid"
    assert body["error"]["details"]["problems"] == [{"line": 2, "column": "name", "message": "required"}]


def test_the_api_refuses_an_unknown_or_foreign_site(site, other_site, planner, api_as):
    file = {"file": SimpleUploadedFile("r.csv", b"code,name\nA,a\n", "text/csv")}
    status, body = api_as(planner).upload(f"/asset-imports?site={other_site.pk}", file)
    assert status == 422 and body["error"]["details"] == {"field": "site"}
    assert not Asset.objects.exists()


def test_the_page_shows_what_an_import_would_do_and_applies_it_on_confirmation(
    register_site, planner, as_user, django_assert_max_num_queries
):
    client = as_user(planner)
    page = client.get("/assets/import/")
    assert page.status_code == 200 and b"parent_code" in page.content  # the columns are explained

    upload = SimpleUploadedFile("register.csv", REGISTER.encode(), "text/csv")
    checked = client.post("/assets/import/", {"site": register_site.pk, "file": upload})
    assert checked.status_code == 200 and not Asset.objects.exists()
    text = checked.content.decode()
    assert "3 new" in text and "P-101-M" in text and 'name="confirm"' in text

    with django_assert_max_num_queries(60):
        applied = client.post("/assets/import/", {"site": register_site.pk, "confirm": checked.context["token"]})
    assert applied.status_code == 302 and Asset.objects.count() == 3
    # The same confirmation twice does not import twice.
    again = client.post("/assets/import/", {"site": register_site.pk, "confirm": checked.context["token"]})
    assert again.status_code == 200 and "expired" in again.content.decode()
    assert not again.context["form"].errors  # a fresh upload form, not one complaining of empty fields


def test_the_page_lists_the_problems_and_offers_no_confirmation(register_site, planner, as_user):
    client = as_user(planner)
    upload = SimpleUploadedFile("bad.csv", b"code,name,location_code\nA-1,Pump,L9\n", "text/csv")

    page = client.post("/assets/import/", {"site": register_site.pk, "file": upload})

    text = page.content.decode()
    assert page.status_code == 200 and "no location L9" in text and 'name="confirm"' not in text


def test_the_register_exported_in_the_imports_columns_imports_back_unchanged(register_site, planner, as_user):
    report = import_assets(planner, register_site, REGISTER.encode(), apply=True)
    assert len(report.created) == 3
    response = as_user(planner).get("/assets/", {"format": "csv", "site": register_site.pk})
    exported = b"".join(response.streaming_content)
    assert exported.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMNS)
    again = import_assets(planner, register_site, exported, apply=True)
    assert (again.created, again.updated, again.unchanged) == ([], [], 3)  # round trip: nothing to change
