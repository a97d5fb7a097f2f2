"""A clerk's day in a real browser: log in, register a household (with a duplicate hint on the
way), find it by search. Playwright drives Debian's Chromium against a live server."""

import os
import re
import shutil

import pytest

from acogida import testing

CHROMIUM = os.environ.get("ACOGIDA_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason=f"no Chromium at {CHROMIUM}: `apt-get install chromium` to run "
                              "the browser tests"),
]

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def browser_page(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are synchronous and safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
    testing.clear_audit_log()  # lets the transactional test's flush empty the append-only table


def label(text: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(text)}(\s|\*|$)")


def fill_member(row, *, relationship, given, first, second, sex, dob=None, age=None,
                nationality="HND"):
    row.get_by_label(label("Relationship to the head")).select_option(relationship)
    row.get_by_label(label("Given names")).fill(given)
    row.get_by_label(label("First surname")).fill(first)
    row.get_by_label(label("Second surname")).fill(second)
    row.get_by_label(label("Sex")).select_option(sex)
    if dob:
        row.get_by_label(label("Date of birth")).fill(dob)
    if age is not None:
        row.get_by_label(label("or age in years")).fill(str(age))
    row.get_by_label(label("Nationality")).select_option(nationality)


@pytest.mark.django_db(transaction=True)
def test_clerk_registers_a_household_and_finds_it(browser_page, live_server):
    page = browser_page
    testing.make_point()
    clerk = testing.make_user("registration", username="clerk")
    # Someone already registered who looks like the head: the form must say so.
    testing.make_person(clerk, given_names="José Luis", first_surname="Hernández",
                        second_surname="Cruz", sex="male", date_of_birth="1985-03-12")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("clerk")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/people/"))

    page.goto(f"{live_server.url}/households/new")
    page.get_by_label("Registration point").select_option("TAP")
    members = page.locator("fieldset.member")
    fill_member(members.nth(0), relationship="head", given="Jose Luis", first="Ernandez",
                second="Cruz", sex="male", dob="1985-03-12")
    hints = page.locator("#hints-" + members.nth(0).get_attribute("id").removeprefix("member-"))
    playwright.expect(hints).to_contain_text("José Luis Hernández Cruz")

    page.get_by_role("button", name="Add a member").click()
    playwright.expect(members).to_have_count(2)
    fill_member(members.nth(1), relationship="child", given="Dayana Michelle", first="Ernandez",
                second="Mejía", sex="female", age=7)

    page.get_by_label("I checked: these are different people").check()
    page.get_by_label("Why are they different people?").fill("Father of the same name, "
                                                            "different village")
    page.get_by_role("button", name="Register the household").click()
    page.wait_for_url(re.compile(r"/households/[0-9A-Z-]+/"))
    body = page.locator("main")
    playwright.expect(body).to_contain_text("Dayana Michelle Ernandez Mejía")
    playwright.expect(body).to_contain_text("Jose Luis Ernandez Cruz")

    page.goto(f"{live_server.url}/people/")
    page.get_by_role("searchbox").fill("dayana ernan")
    results = page.locator("table")
    playwright.expect(results).to_contain_text("Dayana Michelle")
    page.locator("tr", has_text="Dayana Michelle").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/people/[0-9A-Z-]+/"))
    playwright.expect(page.locator("main")).to_contain_text("Dayana Michelle Ernandez Mejía")
    playwright.expect(page.locator("main")).to_contain_text("estimated")
