"""The situation picture through the API and the dashboard: shapes, access, suppression,
exports, the daily report, and never a name."""

import csv
import io
from datetime import date

import pypdfium2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from acogida import testing
from acogida.shelter.tests.factories import adult_man, check_in, make_shelter

from .factories import caravan_flows, flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def situation():
    testing.make_household()  # five people: Hernández Mejía
    testing.make_person(given_names="Kenia", first_surname="Flores", nationality="GTM")
    shelter, sections = make_shelter()
    check_in(sections["Hombres"], person=adult_man())
    caravan_flows()
    return shelter


@pytest.fixture
def coordinator():
    return testing.api_client(testing.make_user("coordinator"))


def test_registrations_per_day_and_place_suppressed(situation, coordinator):
    response = coordinator.get("/api/v1/stats/registrations")
    assert response.status_code == 200
    data = response.json()
    counts = {(r["place_code"], r["count"]) for r in data["rows"]}
    assert ("TAP", 7) in counts  # five in the household, Kenia, the man in the shelter
    assert data["total"] == 7


def test_small_groups_are_shown_as_less_than_five(situation, coordinator):
    data = coordinator.get("/api/v1/stats/demographics").json()
    nationalities = {n["nationality"]: n["count"] for n in data["nationalities"]}
    assert nationalities["GTM"] == "<5"
    assert "Hernández" not in str(data) and "Kenia" not in str(data)
    assert {p["band"] for p in data["pyramid"]} == {"0-4", "5-11", "12-17", "18-59", "60+"}


def test_bad_filters_are_422_with_the_field(coordinator):
    for query, field in [({"date_from": "2018-13-01"}, "date_from"),
                         ({"date_from": "2018-11-02", "date_to": "2018-11-01"}, "date_to"),
                         ({"group": "caravana"}, "group")]:
        response = coordinator.get("/api/v1/stats/registrations", query)
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["field"] == field
    assert coordinator.get("/api/v1/planning/sphere", {"population": -3}).status_code == 422
    assert coordinator.get("/api/v1/planning/sphere", {"population": "x"}).status_code == 422
    assert coordinator.get("/api/v1/reports/daily.pdf", {"lang": "fr"}).status_code == 422


def test_flows_keep_every_source_and_show_the_range(situation, coordinator):
    data = coordinator.get("/api/v1/stats/flows", {"state": "chiapas"}).json()
    day = next(d for d in data["days"] if d["date"] == "2018-10-24")
    assert (day["low"], day["high"]) == (3630, 10000) and len(day["sources"]) == 2
    group = data["groups"][0]
    assert group["date"] == "2018-10-25" and group["places"] == ["Pijijiapan (Chiapas)"]
    tijuana = coordinator.get("/api/v1/stats/flows", {"place": "tijuana"}).json()
    assert tijuana["forecast"]["start"] == "2018-11-16"
    assert len(tijuana["forecast"]["days"]) == 7
    assert "moving average" in tijuana["forecast"]["method"]
    listed = coordinator.get("/api/v1/flows", {"date_from": "2018-10-24",
                                               "date_to": "2018-10-24"}).json()
    assert {f["source"] for f in listed["items"]} == {"police count", "organisers"}
    assert (listed["total"], listed["has_next"]) == (2, False)
    assert {f["kind"] for f in listed["items"]} == {"present"}


def test_post_a_flow_count(coordinator):
    response = coordinator.post("/api/v1/flows", {
        "date": "2018-10-22", "place": "Tapachula", "state": "Chiapas", "source": "UN estimate",
        "people_in": 7200}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["people_in"] == 7200
    bad = coordinator.post("/api/v1/flows", {"date": "2018-10-22", "place": " ", "state": "X",
                                             "source": "s", "people_in": 10, "children": 20},
                           content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"place", "children"}
    shelter = testing.api_client(testing.make_user("shelter"))
    assert shelter.post("/api/v1/flows", {}, content_type="application/json").status_code == 403


def test_sphere_needs_with_their_source(coordinator):
    data = coordinator.get("/api/v1/planning/sphere", {"population": 1000}).json()
    needs = {n["key"]: n for n in data["needs"]}
    assert needs["covered_space"]["required"] == 3500
    assert needs["water"]["required"] == 15000
    assert needs["toilets_first_phase"]["required"] == 20
    assert needs["toilets_medium_term"]["required"] == 50
    assert needs["food"]["required"] == 2_100_000
    assert "Sphere Handbook 2018" in needs["taps"]["source"]
    assert needs["health_workers"]["confirmed"] is False


def test_ratio_is_editable_and_audited(coordinator):
    response = coordinator.patch("/api/v1/planning/sphere/covered_space",
                                 {"per_person": 4.5, "source": "Sphere 2018, cold setting"},
                                 content_type="application/json")
    assert response.status_code == 200
    data = coordinator.get("/api/v1/planning/sphere", {"population": 10}).json()
    assert data["needs"][0]["required"] == 45
    bad = coordinator.patch("/api/v1/planning/sphere/covered_space", {"people_per_unit": 3},
                            content_type="application/json")
    assert bad.status_code == 422


def test_site_gaps_and_shelter_occupancy(situation, coordinator):
    sites = coordinator.get("/api/v1/planning/sites").json()["sites"]
    site = next(s for s in sites if s["shelter"] == situation.name)
    assert site["population"] == "<5"
    assert {g["key"] for g in site["gaps"]} >= {"covered_space", "toilets_first_phase", "water"}
    shelters = coordinator.get("/api/v1/stats/shelters").json()["rows"]
    row = next(r for r in shelters if r["shelter"] == situation.name)
    assert row["occupied"] == "<5" and row["over_capacity"] is False


def test_documents_stats(situation, coordinator):
    data = coordinator.get("/api/v1/stats/documents").json()
    assert {r["kind"] for r in data["rows"]} == {"temporary_id", "work_permit"}
    assert set(data["rows"][0]) >= {"requested", "issued", "revoked", "verified"}


def test_stats_endpoints_cap_queries(situation, coordinator, django_assert_max_num_queries):
    for topic in ("registrations", "shelters", "documents", "demographics", "flows"):
        with django_assert_max_num_queries(14):
            assert coordinator.get(f"/api/v1/stats/{topic}").status_code == 200
    with django_assert_max_num_queries(14):
        assert coordinator.get("/api/v1/planning/sites").status_code == 200


def test_exports_csv_xlsx_hxl(situation, coordinator):
    response = coordinator.get("/api/v1/exports/demographics.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["nationality", "GTM", "", "", "", "<5"] in rows
    assert rows[0] == ["Category", "Group", "Women and girls", "Men and boys", "Other",
                       "People"]
    hxl = list(csv.reader(io.StringIO(
        coordinator.get("/api/v1/exports/flows.hxl.csv").content.decode())))
    assert hxl[1][:3] == ["#date", "#adm1+name", "#loc+name"]
    assert "#affected+children" in hxl[1]
    sheet = load_workbook(io.BytesIO(
        coordinator.get("/api/v1/exports/shelters.xlsx").content)).active
    assert sheet["A1"].value == "Shelter" and sheet.max_row >= 2
    for name in ("registrations", "sites"):
        assert coordinator.get(f"/api/v1/exports/{name}.hxl.csv").status_code == 200
    assert coordinator.get("/api/v1/exports/people.csv").status_code == 404
    text = coordinator.get("/api/v1/exports/registrations.csv").content.decode()
    assert "Hernández" not in text


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


@pytest.mark.parametrize(("lang", "month"), [("es", "noviembre"), ("en", "November")])
def test_daily_report_pdf(situation, coordinator, lang, month):
    response = coordinator.get("/api/v1/reports/daily.pdf", {"date": "2018-11-15",
                                                             "lang": lang})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert month in text and "2018" in text


def test_report_command_writes_the_pdf(situation, tmp_path):
    out = tmp_path / "daily.pdf"
    call_command("report", "daily", "--date", "2018-11-05", "--lang", "en", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "November 5, 2018" in _pdf_text(out.read_bytes())


def _web(role: str, language: str = "en") -> Client:
    client = Client()
    client.force_login(testing.make_user(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_dashboard_for_a_coordinator_has_charts_tables_and_no_names(situation):
    response = _web("coordinator").get("/dashboard/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<svg") >= 6 and "<table" in text
    assert "/api/v1/exports/registrations.csv" in text
    assert "3,630" in text and "10,000" in text  # the sources' range on 24 Oct
    for name in ("Hernández", "Mejía", "Kenia", "Flores"):
        assert name not in text


def test_dashboard_filters_and_bad_filters(situation):
    client = _web("admin")
    response = client.get("/dashboard/", {"state": "Baja California", "date_from": "2018-11-01"})
    assert response.status_code == 200
    assert "Pijijiapan" not in response.content.decode()
    bad = client.get("/dashboard/", {"date_from": "yesterday"})
    assert bad.status_code == 422 and 'id="err-date_from"' in bad.content.decode()
    partial = client.get("/dashboard/", {"place": "tijuana"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_shelter_manager_may_not_see_the_dashboard():
    assert _web("shelter").get("/dashboard/").status_code == 403
    api = testing.api_client(testing.make_user("shelter"))
    assert api.get("/api/v1/stats/flows").status_code == 403


def test_seed_flows_from_the_documented_figures():
    from acogida.reporting.demo import seed_flows
    from acogida.reporting.models import FlowCount

    testing.make_group()
    assert seed_flows(testing.SYSTEM) > 50
    assert FlowCount.objects.filter(date=date(2018, 10, 24)).values("source").distinct() \
        .count() >= 3
    assert FlowCount.objects.filter(source__contains="El Paso Times").get().people_out == 5771
    assert seed_flows(testing.SYSTEM) == 0
    flow(place="Tijuana", date=date(2018, 11, 20), state="Baja California", people_in=1)


def test_the_pyramid_counts_each_band_and_sex_on_the_day_asked():
    from acogida.reporting import filters, selectors

    on = date(2018, 11, 20)
    for day in ("1988-11-20", "1988-11-21", "1990-01-01", "2000-11-20", "1980-05-05",
                "1950-06-01"):
        testing.make_person(sex="male", date_of_birth=day, first_surname="Uno")
    for day in ("2010-11-21", "2010-11-20", "2012-01-01", "2014-06-01", "2016-11-21"):
        testing.make_person(sex="female", date_of_birth=day, first_surname="Dos")
    found = selectors.demographics(user=testing.make_user("coordinator"),
                                   filters=filters.parse({}), today=on)
    bands = {row["band"]: row for row in found["pyramid"]}
    assert bands["18-59"]["male"] == 5  # 18 exactly on the day counts, 1950 is 68
    assert bands["60+"]["male"] == "<5"
    # born 2010-11-20: 8 on the day; 2010-11-21: still 7; 2016-11-21: 1, in 0-4
    assert bands["5-11"]["female"] == "<5" and bands["0-4"]["female"] == "<5"
    assert found["total"] == 11
