"""The pure modules: Sphere needs, the forecast, suppression, HXL rows, SVG charts."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from acogida.reporting import charts, forecast, sphere, tables
from acogida.reporting.suppression import suppress, suppress_fields

RATIOS = [sphere.Ratio("covered_space", "Covered living space", "m²", per_person=3.5,
                       facility="covered_area_m2", source="Sphere 2018"),
          sphere.Ratio("toilets_first_phase", "Toilets", "toilets", people_per_unit=50,
                       facility="toilets", source="Sphere 2018"),
          sphere.Ratio("water", "Water", "L/day", per_person=15, source="Sphere 2018")]


def test_sphere_needs_round_up():
    needs = {n.ratio.key: n.required for n in sphere.needs_for(101, RATIOS)}
    assert needs == {"covered_space": 354, "toilets_first_phase": 3, "water": 1515}
    assert all(n.required == 0 for n in sphere.needs_for(0, RATIOS))
    assert RATIOS[1].text == "1 / 50 people" and RATIOS[0].text == "3.5 m² / person"


def test_sphere_gaps_flag_shortfalls():
    gaps = {g.need.ratio.key: g for g in sphere.gaps(sphere.needs_for(200, RATIOS),
                                                     {"covered_area_m2": 500, "toilets": 4})}
    assert gaps["covered_space"].shortfall == 200 and gaps["covered_space"].met is False
    assert gaps["toilets_first_phase"].met is True
    assert gaps["water"].available is None and gaps["water"].met is None


def test_moving_average_forecast():
    counts = {date(2018, 11, 1): 100, date(2018, 11, 3): 300}  # 2 Nov missing: 0
    result = forecast.moving_average(counts, days=3, window=3)
    assert result.start == date(2018, 11, 4)
    assert [n for _d, n in result.points] == [133, 144, 193]
    assert "moving average of the last 3 days" in result.method
    assert forecast.moving_average({}).points == []


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (None, None)])
def test_suppression(n, shown):
    assert suppress(n) == shown


def test_suppress_fields_keeps_other_values():
    assert suppress_fields({"place": "Tapachula", "count": 3}, ["count"]) == {
        "place": "Tapachula", "count": "<5"}


TABLE = tables.Table("registrations", [
    tables.Column("date", "Date", "#date"), tables.Column("state", "State", "#adm1+name"),
    tables.Column("count", "People", "#affected+ind")],
    [{"date": date(2018, 10, 21), "state": "Chiapas", "count": "<5"},
     {"date": date(2018, 10, 22), "state": "=cmd()", "count": 12}])


def test_hxl_rows_have_a_hashtag_row():
    rows = tables.hxl_rows(TABLE)
    assert rows[0] == ["Date", "State", "People"]
    assert rows[1] == ["#date", "#adm1+name", "#affected+ind"]
    assert rows[2] == ["2018-10-21", "Chiapas", "<5"]
    assert rows[3][1] == "'=cmd()"  # never a formula in a spreadsheet
    parsed = list(csv.reader(io.StringIO(tables.to_hxl_csv(TABLE).decode())))
    assert parsed[1][0] == "#date" and parsed[2][2] == "<5"


def test_xlsx_has_the_values():
    sheet = load_workbook(io.BytesIO(tables.to_xlsx(TABLE))).active
    assert [c.value for c in sheet[1]] == ["Date", "State", "People"]
    assert sheet["C2"].value == "<5" and sheet["C3"].value == 12


def test_bar_chart_svg():
    svg = charts.bar_chart("Occupancy <of> shelters", [
        charts.Bar("Palillo", 4500, note=" / 5,500"), charts.Bar("Benito Juárez", 6100, True),
        charts.Bar("Small", "<5")])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title id=" in svg and "Occupancy &lt;of&gt; shelters" in svg
    assert svg.count("<rect") == 3 and 'class="bar alert"' in svg
    assert "6,100" in svg and "&lt;5" in svg and 'role="img"' in svg


def test_pyramid_and_range_charts():
    svg = charts.pyramid("Age and sex", ["0-4", "5-11"], [10, "<5"], [12, 7],
                         left_label="Men", right_label="Women")
    assert svg.count('class="bar male"') == 2 and svg.count('class="bar female"') == 2
    line = charts.range_chart("Size", [charts.Point("22/10", 3630, 10000),
                                       charts.Point("23/10", value=5000, forecast=True)],
                              note="moving average")
    assert 'class="range"' in line and "3,630–10,000" in line and "moving average" in line
