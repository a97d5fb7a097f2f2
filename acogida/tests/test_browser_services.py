"""A doctor's, a teacher's and a coordinator's day in a real browser (Playwright, Debian's
Chromium, a live server): record an encounter; enrol a child; read the situation picture in
Spanish without meeting a single name."""

import re

import pytest

from acogida import testing

from .test_browser import CHROMIUM, browser_page, playwright  # noqa: F401  (fixture)
from .test_browser import pytestmark as browser_marks

pytestmark = browser_marks


def log_in(page, live_server, username: str, *, user_label="User name",
           password_label="Password", button="Log in") -> None:  # noqa: S107 (a label)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label(user_label).fill(username)
    page.get_by_label(password_label).fill("a long test password")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_doctor_records_an_encounter(browser_page, live_server):  # noqa: F811
    page = browser_page
    patient = testing.make_person(given_names="Ana Yolanda", first_surname="Mejía")
    testing.make_user("medical", username="doctora")
    log_in(page, live_server, "doctora")

    page.goto(f"{live_server.url}/health/encounters/new")
    page.get_by_label(re.compile(r"^Registration number")).fill(patient.registration_number)
    page.get_by_label(re.compile(r"^Triage")).select_option("urgent")
    page.get_by_label(re.compile(r"^Facility$|^Facility\s*\*")).select_option("mobile_clinic")
    page.get_by_label(re.compile(r"^Reason")).select_option("respiratory")
    page.get_by_label(re.compile(r"^Diagnosis 1")).fill("Infección respiratoria aguda")
    page.get_by_label(re.compile(r"^ICD-10 code 1")).fill("J06.9")
    page.get_by_role("button", name="Record the encounter").click()
    page.wait_for_url(re.compile(r"/people/[0-9A-Z-]+/health/"))
    main = page.locator("main")
    playwright.expect(main).to_contain_text("Infección respiratoria aguda")
    playwright.expect(main).to_contain_text("J06.9")


@pytest.mark.django_db(transaction=True)
def test_teacher_enrols_a_child(browser_page, live_server):  # noqa: F811
    from acogida.schooling.tests.factories import make_school

    page = browser_page
    teacher = testing.make_user("education", username="maestra")
    school = make_school(seats={3: 5}, user=teacher)
    child = testing.make_person(given_names="Kevin Josué", first_surname="Ramos",
                                sex="male", date_of_birth="2018-03-01")
    log_in(page, live_server, "maestra")

    page.goto(f"{live_server.url}/schooling/enrol/?person={child.registration_number}")
    main = page.locator("main")
    playwright.expect(main).to_contain_text("Suggested")
    page.get_by_label("School", exact=True).select_option(str(school.pk))
    page.get_by_role("button", name="Request enrolment").click()
    page.wait_for_load_state()
    playwright.expect(page.locator("main")).to_contain_text(school.name)


@pytest.mark.django_db(transaction=True)
def test_coordinator_reads_the_dashboard_in_spanish_without_names(browser_page,  # noqa: F811
                                                                   live_server, tmp_path):
    page = browser_page
    household = testing.make_household()
    names = [m.person.first_surname for m in household.members.select_related("person")]
    testing.make_user("coordinator", username="coordinadora")
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="Español").click()  # the language switch in the header
    page.wait_for_load_state()
    log_in(page, live_server, "coordinadora", user_label="Nombre de usuario",
           password_label="Contraseña", button="Iniciar sesión")
    page.goto(f"{live_server.url}/dashboard/")
    playwright.expect(page.locator("html")).to_have_attribute("lang", "es")
    main = page.locator("main")
    playwright.expect(main.locator("svg").first).to_be_visible()
    text = main.inner_text()
    assert not any(name in text for name in names)
    # the charts rendered: drawn, each with a size, and a screenshot of the whole page
    charts = main.locator("svg")
    assert charts.count() >= 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, i
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
