"""Fixes from the review of the situation picture: small cells in planning and occupancy, bad
input never a 500, totals, flows' kinds and pages, HXL tags, the claims and plan figures, and
the person-level export."""

import csv
import io
import json
import re
from datetime import date, timedelta

import pypdfium2
import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.reporting import exports, flows, sphere, tables
from acogida.reporting.filters import Filters
from acogida.shelter.tests.factories import adult_man, check_in, make_shelter

from .factories import flow

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def coordinator():
    return testing.api_client(testing.make_user("coordinator"))


@pytest.fixture
def three_residents():
    """Three men in a shelter with no facilities: 45 L of water, 6,300 kcal and 11 m² would
    give their number away."""
    shelter, sections = make_shelter("Albergue Chico", covered_area_m2=0, toilets=0, taps=0,
                                     showers=0)
    for name in ("Carlos", "Mario", "Pedro"):
        check_in(sections["Hombres"], person=adult_man(given_names=name))
    return shelter


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"(?<![\d.,])\d[\d,]*(?![\d,])", text))


def _pdf_text(data: bytes) -> str:
    return "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data))


def test_sphere_figures_of_fewer_than_five_people_are_suppressed_everywhere(three_residents,
                                                                            coordinator):
    revealing = {"45", "6,300", "6300", "11", "10.5"}
    sites = coordinator.get("/api/v1/planning/sites").json()["sites"]
    site = next(s for s in sites if s["shelter"] == "Albergue Chico")
    assert site["population"] == "<5" and site["forecast_population"] == "<5"
    for gap in site["gaps"] + site["forecast_gaps"]:
        assert gap["suppressed"] is True
        assert gap["required"] is None and gap["shortfall"] is None and gap["met"] is None
    assert site["shortfalls"] == 0
    for suffix in (".csv", ".hxl.csv"):
        text = coordinator.get(f"/api/v1/exports/sites{suffix}").content.decode()
        assert not _numbers(text) & revealing, suffix
    sheet = load_workbook(io.BytesIO(coordinator.get("/api/v1/exports/sites.xlsx").content))
    values = {str(c.value) for row in sheet.active.iter_rows() for c in row}
    assert not values & revealing
    client = Client()
    client.force_login(testing.make_user("coordinator"))
    page = client.get("/dashboard/").content.decode()
    gaps = page[page.index('id="panel-gaps"'):]
    gaps = gaps[:gaps.index("</section>")]
    assert "Albergue Chico" in gaps and not _numbers(gaps) & revealing
    pdf = coordinator.get("/api/v1/reports/daily.pdf", {"date": str(timezone.localdate()),
                                                        "lang": "en"})
    text = _pdf_text(pdf.content)
    assert not _numbers(text) & {"45", "6,300", "10.5"}
    assert "People in shelters <5" in text  # summed exactly, then suppressed (not "0")


def test_occupancy_percent_is_null_for_fewer_than_five(three_residents, coordinator):
    make_shelter("Sin Cupo", sections={"Única": ("men", 0)})
    rows = {r["shelter"]: r for r in coordinator.get("/api/v1/stats/shelters").json()["rows"]}
    assert rows["Albergue Chico"]["occupied"] == "<5"
    assert rows["Albergue Chico"]["percent"] is None
    assert rows["Sin Cupo"]["percent"] is None and rows["Sin Cupo"]["over_capacity"] is False


def test_daily_report_totals_are_summed_then_suppressed(three_residents):
    from acogida.reporting import selectors

    data = selectors.shelters(user=testing.make_user("coordinator"), filters=Filters())
    assert data["total_occupied"] == "<5"  # not 0 from adding up "<5" cells


def test_bad_numbers_and_far_dates_are_422_naming_the_field(coordinator):
    for query, field in [({"group": "²"}, "group"), ({"date_to": "9999-12-31"}, "date_to"),
                         ({"date_to": "0001-01-01"}, "date_to"),
                         ({"date_from": "1999-12-31"}, "date_from")]:
        for path in ("/api/v1/stats/registrations", "/api/v1/stats/shelters",
                     "/api/v1/stats/demographics", "/api/v1/planning/sites"):
            response = coordinator.get(path, query)
            assert response.status_code == 422, (path, query)
            assert response.json()["errors"][0]["field"] == field
    for day in ("0001-01-01", "9999-12-31"):
        response = coordinator.get("/api/v1/reports/daily.pdf", {"date": day})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "date"
    client = Client()
    client.force_login(testing.make_user("coordinator"))
    assert client.get("/dashboard/", {"date_to": "9999-12-31"}).status_code == 422
    assert coordinator.get("/api/v1/flows", {"page": 10**18}).status_code == 422


def test_xlsx_keeps_formula_like_text_as_text_and_csv_prefixes_it():
    table = tables.Table("t", [tables.Column("a", "A", "#a")], [
        {"a": "=1+1"}, {"a": "  =HYPERLINK(\"x\")"}, {"a": "\n=2"}, {"a": "-3"}, {"a": 5}])
    sheet = load_workbook(io.BytesIO(tables.to_xlsx(table))).active
    cells = [c for (c,) in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells[:4]] == ["=1+1", "  =HYPERLINK(\"x\")", "\n=2", "-3"]
    assert {c.data_type for c in cells[:4]} == {"s"} and cells[4].value == 5
    rows = list(csv.reader(io.StringIO(tables.to_csv(table).decode())))
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'  =HYPERLINK(\"x\")", "'\n=2", "'-3", "5"]


def test_flow_kinds_forecast_reads_arrivals_and_size_reads_stocks(coordinator):
    flow(date=date(2018, 11, 10), place="Tijuana", state="Baja California", people_in=6000,
         kind="cumulative")
    flow(date=date(2018, 11, 14), place="Tijuana", state="Baja California", people_in=300)
    flow(date=date(2018, 11, 15), place="Tijuana", state="Baja California", people_in=500)
    data = coordinator.get("/api/v1/stats/flows", {"place": "tijuana"}).json()
    assert [s["high"] for s in data["size"]] == [6000]  # not the arrivals
    from acogida.reporting import forecast

    expected = forecast.moving_average({date(2018, 11, 14): 300, date(2018, 11, 15): 500})
    assert data["forecast"]["total"] == expected.total  # arrivals only, not the 6,000
    assert {d["kind"] for d in data["days"]} == {"cumulative", "arrived"}
    bad = coordinator.post("/api/v1/flows", {"date": "2018-11-15", "place": "T", "state": "B",
                                             "source": "s", "kind": "guess"}, content_type=JSON)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    made = coordinator.post("/api/v1/flows", {"date": "2018-11-15", "place": "T", "state": "B",
                                              "source": "s"}, content_type=JSON)
    assert made.json()["kind"] == "arrived"


def test_forecast_by_place_reads_up_to_date_to():
    flow(date=date(2018, 11, 14), place="Iztacalco", state="Ciudad de México", people_in=300)
    flow(date=date(2018, 11, 20), place="Iztacalco", state="Ciudad de México", people_in=900)
    before = flows.forecast_by_place(["Iztacalco"], date_to=date(2018, 11, 15))["Iztacalco"]
    after = flows.forecast_by_place(["Iztacalco"])["Iztacalco"]
    assert before.start == date(2018, 11, 15) and after.start == date(2018, 11, 21)


def test_flows_are_paginated_and_the_export_refuses_rather_than_cuts(coordinator, monkeypatch):
    for day in range(1, 6):
        flow(date=date(2018, 11, day), place="Tijuana", state="Baja California", people_in=10)
    page = coordinator.get("/api/v1/flows", {"page_size": 2, "page": 3}).json()
    assert (page["total"], page["page"], page["has_next"], len(page["items"])) == (5, 3, False, 1)
    assert coordinator.get("/api/v1/flows", {"page_size": 2}).json()["has_next"] is True
    monkeypatch.setattr(exports, "MAX_FLOW_ROWS", 4)
    refused = coordinator.get("/api/v1/exports/flows.csv")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "date_from"
    assert coordinator.get("/api/v1/exports/flows.csv",
                           {"date_from": "2018-11-02"}).status_code == 200


def test_flow_exports_suppress_small_counts_and_use_hxl_tags(coordinator):
    flow(date=date(2018, 11, 1), place="Tijuana", state="Baja California", people_in=300,
         people_out=3, families=2, children=4)
    rows = list(csv.reader(io.StringIO(
        coordinator.get("/api/v1/exports/flows.hxl.csv").content.decode())))
    header, tags, row = rows[0], rows[1], rows[2]
    values = dict(zip(tags, row, strict=True))
    assert values["#affected+ind"] == "300" and values["#affected+ind+departing"] == "<5"
    assert values["#affected+hh"] == "<5" and values["#affected+children"] == "<5"
    assert "#sex" not in coordinator.get("/api/v1/exports/demographics.hxl.csv").content.decode()
    demo = coordinator.get("/api/v1/exports/demographics.hxl.csv").content.decode()
    assert "#affected+f" in demo and "#affected+m" in demo
    sites = coordinator.get("/api/v1/exports/sites.hxl.csv").content.decode()
    assert "#indicator+required+num" in sites and "#indicator+gap+num" in sites
    assert "#inneed" not in sites and header


def test_two_toilet_ratios_count_one_shortfall_and_health_workers_per_person():
    ratios = [sphere.Ratio("toilets_first_phase", "T1", "toilets", people_per_unit=50,
                           facility="toilets"),
              sphere.Ratio("toilets_medium_term", "T2", "toilets", people_per_unit=20,
                           facility="toilets"),
              sphere.Ratio("health_workers", "H", "workers", per_person=0.0023)]
    from acogida.reporting.planning import unmet_facilities

    gaps = sphere.gaps(sphere.needs_for(1000, ratios), {"toilets": 1})
    assert [g.met for g in gaps] == [False, False, None]
    assert unmet_facilities(gaps) == 1
    assert gaps[2].need.required == 3  # 23 per 10,000 people: 2.3 for 1,000, rounded up
    from acogida.reporting.models import SphereStandard

    health = SphereStandard.objects.get(key="health_workers")
    assert (str(health.per_person), health.people_per_unit) == ("0.0023", None)


def test_the_seeded_ratios_match_sphere_yaml():
    from pathlib import Path

    import yaml

    from acogida.reporting.models import SphereStandard

    path = Path(exports.__file__).with_name("sphere.yaml")
    for row in yaml.safe_load(path.read_text()):
        seeded = SphereStandard.objects.get(key=row["key"])
        assert seeded.people_per_unit == row.get("people_per_unit"), row["key"]
        per_person = row.get("per_person")
        assert (float(seeded.per_person) if seeded.per_person is not None else None) == (
            float(per_person) if per_person is not None else None), row["key"]


# ---- claims and the plan ------------------------------------------------------------------------

@pytest.fixture
def claims():
    from acogida.asylum.tests.factories import open_claim

    made = [open_claim(testing.make_person(given_names=f"Solicitante {i}"))
            for i in range(6)]
    return made


def test_claims_export_dashboard_panel_and_report_show_counts_only(claims, coordinator):
    rows = list(csv.reader(io.StringIO(
        coordinator.get("/api/v1/exports/claims.csv").content.decode())))
    assert rows[0] == ["Measure", "Jurisdiction", "Status", "Claims"]
    counts = [r[3] for r in rows[1:]]
    assert counts and all(c == "<5" or c == "0" or int(c) >= 5 for c in counts)
    text = "\n".join(",".join(r) for r in rows)
    assert "Solicitante" not in text and claims[0].number not in text
    client = Client()
    client.force_login(testing.make_user("coordinator"))
    page = client.get("/dashboard/").content.decode()
    assert 'id="panel-claims"' in page and "Solicitante" not in page
    pdf = coordinator.get("/api/v1/reports/daily.pdf", {"date": str(timezone.localdate()),
                                                        "lang": "en"})
    text = _pdf_text(pdf.content)
    assert "Asylum deadlines" in text and claims[0].number not in text
    assert "Solicitante" not in text


def test_claims_figures_are_skipped_for_a_role_without_claim_stats(claims):
    from acogida.reporting import dashboard, report

    clerk = testing.make_user("registration")
    assert dashboard._claims(clerk, Filters()) == []
    assert report.deadlines(timezone.localdate(), clerk) is None


def test_plan_export_by_day_and_place(coordinator):
    from acogida.plan.tests.factories import eligible_person, offer

    for i in range(5):
        offer(eligible_person(given_names=f"Rosa {i}"))
    rows = list(csv.reader(io.StringIO(
        coordinator.get("/api/v1/exports/plan.csv").content.decode())))
    assert rows[0][:4] == ["Date", "Place", "State", "People offered the plan"]
    assert any(r[3] == "5" for r in rows[1:])
    assert "Rosa" not in json.dumps(rows)


# ---- the person-level export ---------------------------------------------------------------------

def test_person_level_export_admin_only_encrypted_and_audited():
    import pyzipper

    testing.make_household()
    testing.make_person(given_names="=HYPERLINK(\"http://x\")", first_surname="Flores")
    body = {"purpose": "Transfer to COMAR for the asylum registry", "password": "correct horse b"}
    for role in ("coordinator", "registration", "caseworker"):
        refused = testing.api_client(testing.make_user(role)).post(
            "/api/v1/exports/people", body, content_type=JSON)
        assert refused.status_code == 403, role
    admin = testing.api_client(testing.make_user("admin"))
    for bad, field in [({"purpose": "short"}, "purpose"), ({"password": "short"}, "password")]:
        response = admin.post("/api/v1/exports/people", {**body, **bad}, content_type=JSON)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    response = admin.post("/api/v1/exports/people", body, content_type=JSON)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = pyzipper.AESZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["people.csv"]
    with pytest.raises(RuntimeError):
        archive.read("people.csv")  # no password
    archive.setpassword(b"wrong password!!")
    with pytest.raises(RuntimeError):
        archive.read("people.csv")
    archive.setpassword(body["password"].encode())
    rows = list(csv.reader(io.StringIO(archive.read("people.csv").decode())))
    assert rows[0] == ["Registration number", "Given names", "First surname", "Second surname",
                       "Sex", "Date of birth", "Nationality", "Registration point",
                       "Household number", "Relationship"]
    assert len(rows) == 7  # five in the household and one alone, after the header
    assert [r[9] for r in rows[1:] if r[9] == "head"] == ["head"]
    assert len({r[8] for r in rows[1:] if r[8]}) == 1  # one household number, five members
    assert any(r[1] == "'=HYPERLINK(\"http://x\")" for r in rows[1:])
    entry = AuditEntry.objects.filter(action="export.person_level").get()
    assert entry.details["purpose"] == body["purpose"] and entry.details["people"] == 6
    assert body["password"] not in json.dumps(entry.details)


def test_dashboard_reads_flows_within_a_window(coordinator):
    from acogida.reporting.dashboard import FLOW_DAYS, flow_window

    flow(date=date(2018, 11, 15), place="Tijuana", state="Baja California", people_in=10)
    window = flow_window(Filters())
    assert window.date_from == date(2018, 11, 15) - timedelta(days=FLOW_DAYS - 1)
    assert flow_window(Filters(date_from=date(2018, 1, 1))).date_from == date(2018, 1, 1)


def test_summary_page_and_api_show_small_breakdowns_as_less_than_five():
    testing.make_household()  # five people, one nationality
    testing.make_person(given_names="Kenia", first_surname="Flores", nationality="GTM")
    api = testing.api_client(testing.make_user("coordinator")).get("/api/v1/stats/summary")
    assert api.status_code == 200
    assert api.json()["nationality"] == {"HND": 5, "GTM": "<5"}
    client = Client()
    client.force_login(testing.make_user("coordinator"))
    page = client.get("/summary/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;5" in text and "Kenia" not in text
