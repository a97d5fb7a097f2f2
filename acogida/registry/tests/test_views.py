"""The registry pages as a clerk, a case officer, a shelter manager and a coordinator see them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from acogida.accounts.models import AuditEntry
from acogida.registry import photos
from acogida.registry.models import Household, Person
from acogida.testing import (
    SYSTEM,
    family_of_five,
    make_household,
    make_person,
    make_point,
    make_user,
    person_values,
)

pytestmark = pytest.mark.django_db


def client_for(role: str) -> tuple[Client, object]:
    user = make_user(role)
    client = Client()
    client.force_login(user)
    return client, user


# ---- search ---------------------------------------------------------------------------------

def test_search_page_lists_matches_with_links():
    household = make_household()
    client, _user = client_for("registration")
    response = client.get(reverse("person-search"), {"q": "hernandez"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" in text
    assert "Kevin Josué Hernández Mejía" in text
    assert "4 personas encontradas" in text
    assert reverse("household-detail", args=[household.number]) in text
    assert "(est.)" in text  # Kevin's date of birth is estimated from his age


def test_search_answers_htmx_with_the_results_partial_only():
    make_household()
    client, _user = client_for("caseworker")
    response = client.get(reverse("person-search"), {"q": "dayana"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert "Dayana Hernández Mejía" in text
    assert "1 persona encontrada" in text


def test_search_pages_through_results():
    point = make_point()
    clerk = make_user("registration")
    for day in range(1, 28):
        make_person(clerk, point, given_names="Ana", first_surname="Reyes",
                    date_of_birth=f"1990-01-{day:02d}")
    client, _user = client_for("registration")
    first = client.get(reverse("person-search"), {"q": "reyes"}).content.decode()
    assert "27 personas encontradas" in first
    assert "page=2" in first
    second = client.get(reverse("person-search"), {"q": "reyes", "page": "2"}).content.decode()
    assert second.count("Ana Reyes") == 2


def test_a_page_of_results_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    point, clerk = make_point(), make_user("registration")
    for day in range(1, 28):
        make_person(clerk, point, first_surname="Reyes", date_of_birth=f"1990-01-{day:02d}")
    client, _user = client_for("registration")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("person-search"), {"q": "reyes"},
                              headers={"HX-Request": "true"})
    assert response.content.decode().count("<tr>") == 26  # header + 25


def test_coordinator_may_not_search_or_open_a_person():
    household = make_household()
    person = household.members.first().person
    client, _user = client_for("coordinator")
    response = client.get(reverse("person-search"), {"q": "hernandez"})
    assert response.status_code == 403
    assert "No permitido" in response.content.decode()
    assert client.get(reverse("person-detail", args=[person.registration_number])).status_code \
        == 403


def test_pages_need_a_login():
    response = Client().get(reverse("person-search"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# ---- a person, a household ------------------------------------------------------------------

def _spouse(household: Household) -> Person:
    return household.members.get(relationship="spouse").person


def test_shelter_manager_does_not_see_sensitive_needs_but_a_case_officer_does():
    household = make_household()
    spouse = _spouse(household)
    url = reverse("person-detail", args=[spouse.registration_number])

    shelter, _user = client_for("shelter")
    text = shelter.get(url).content.decode()
    assert "Ana Yolanda Mejía Peña" in text
    assert "Mujer embarazada o lactante" in text  # PG is not sensitive
    assert "<code>SV</code>" not in text
    assert "violencia sexual" not in text

    officer, _user = client_for("caseworker")
    text = officer.get(url).content.decode()
    assert "<code>SV</code>" in text
    assert "violencia sexual" in text


def test_person_page_shows_household_and_members():
    household = make_household()
    spouse = _spouse(household)
    client, _user = client_for("registration")
    response = client.get(reverse("person-detail", args=[spouse.registration_number]))
    assert response.status_code == 200
    text = response.content.decode()
    assert household.number in text
    for given in ("José Luis", "Kevin Josué", "Dayana", "Ñaqui"):
        assert given in text


def test_unknown_person_is_a_friendly_404():
    client, _user = client_for("registration")
    response = client.get(reverse("person-detail", args=["0000-0000-00"]))
    assert response.status_code == 404
    assert "No encontrado" in response.content.decode()


def test_household_page_lists_members():
    household = make_household()
    client, _user = client_for("caseworker")
    response = client.get(reverse("household-detail", args=[household.number]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "5 integrantes" in text
    assert "Hijo o hija" in text or "Hija o hijo" in text


def test_photo_is_served_to_readers_and_audited():
    person = make_person()
    picture = io.BytesIO()
    Image.new("RGB", (40, 50), "white").save(picture, format="PNG")
    photos.set_photo(actor=SYSTEM, user=make_user("registration"),
                     registration_number=person.registration_number, data=picture.getvalue())
    client, _user = client_for("caseworker")
    page = client.get(reverse("person-detail", args=[person.registration_number]))
    photo_url = reverse("person-photo", args=[person.registration_number])
    assert photo_url in page.content.decode()
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert AuditEntry.objects.filter(action="person.photo.read",
                                     object_id=person.registration_number).exists()
    coordinator, _user = client_for("coordinator")
    assert coordinator.get(photo_url).status_code == 403


def test_photo_is_404_when_there_is_none():
    person = make_person()
    client, _user = client_for("registration")
    response = client.get(reverse("person-photo", args=[person.registration_number]))
    assert response.status_code == 404


# ---- registering a household ----------------------------------------------------------------

def _post_data(members: list[dict], point: str = "TAP", **extra) -> dict:
    """The form as the browser sends it for ``members`` (testing.family_of_five shape)."""
    data = {"registration_point": point, "arrival_group": "", "action": "save", "rows": []}
    for index, member in enumerate(members):
        key = f"r{index}"
        values = member["person"]
        data["rows"].append(key)
        data[f"m-{key}-relationship"] = member["relationship"]
        for name in ("given_names", "first_surname", "second_surname", "sex", "nationality",
                     "place_of_birth", "phone"):
            data[f"m-{key}-{name}"] = values.get(name) or ""
        data[f"m-{key}-date_of_birth"] = values.get("date_of_birth") or ""
        data[f"m-{key}-age"] = str(values.get("age") or "")
        data[f"m-{key}-languages"] = ", ".join(values.get("languages") or [])
        data[f"m-{key}-specific_needs"] = values.get("specific_needs") or []
        data[f"m-{key}-consent-registration"] = "1"
        data[f"m-{key}-consent-registration-date"] = "2018-10-21"
    data.update(extra)
    return data


def test_register_form_renders_one_head_row():
    make_point()
    client, _user = client_for("registration")
    response = client.get(reverse("household-register"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="rows"' in text
    assert text.count('class="member"') == 1
    assert "Honduras" in text
    assert 'for="m-' in text  # every input has its label


def test_register_a_family_of_five():
    make_point()
    client, _user = client_for("registration")
    response = client.post(reverse("household-register"), _post_data(family_of_five()),
                           follow=True)
    assert response.status_code == 200
    household = Household.objects.get()
    assert household.members.count() == 5
    numbers = list(household.members.values_list("person__registration_number", flat=True))
    text = response.content.decode()
    assert "registrado" in text
    for number in numbers:
        assert number in text
    kevin = Person.objects.get(given_names="Kevin Josué")
    assert kevin.date_of_birth_estimated
    assert _spouse(household).sensitive_needs == ["SV"]


def test_errors_are_shown_beside_the_field_of_the_right_row_and_nothing_is_written():
    make_point()
    members = family_of_five()
    members[2]["person"]["age"] = None  # the third member: no date of birth and no age
    members[3]["person"]["given_names"] = ""
    client, _user = client_for("registration")
    response = client.post(reverse("household-register"), _post_data(members))
    assert response.status_code == 422
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    text = response.content.decode()
    assert 'id="m-r2-date_of_birth-error"' in text
    assert 'id="m-r3-given_names-error"' in text
    assert 'id="m-r0-given_names-error"' not in text
    assert "Este campo es obligatorio." in text
    # what the clerk typed is kept
    assert 'value="Ana Yolanda"' in text
    assert 'value="Ñaqui"' in text
    assert 'value="SV" checked' in text


def test_a_household_without_a_head_is_refused_with_a_message():
    make_point()
    members = family_of_five()
    members[0]["relationship"] = "spouse"
    client, _user = client_for("registration")
    response = client.post(reverse("household-register"), _post_data(members))
    assert response.status_code == 422
    assert "exactamente un jefe" in response.content.decode()
    assert Household.objects.count() == 0


def test_a_missing_registration_point_is_shown_beside_it():
    make_point()
    client, _user = client_for("registration")
    response = client.post(reverse("household-register"), _post_data(family_of_five(), point=""))
    assert response.status_code == 422
    assert 'id="registration_point-error"' in response.content.decode()
    assert Household.objects.count() == 0


def test_add_member_returns_a_new_row_partial():
    client, _user = client_for("registration")
    response = client.get(reverse("household-member-row"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert text.count('name="rows"') == 1


def test_add_member_without_javascript_keeps_the_values():
    make_point()
    client, _user = client_for("registration")
    data = _post_data(family_of_five()[:1], action="add")
    response = client.post(reverse("household-register"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('name="rows"') == 2
    assert 'value="José Luis"' in text
    assert Person.objects.count() == 0


def _hint_post(client, person: dict):
    data = _post_data([{"relationship": "head", "person": person}], row="r0")
    return client.post(reverse("duplicate-hints"), data, headers={"HX-Request": "true"})


def test_duplicate_hints_show_a_likely_match_beside_the_row():
    existing = make_person(given_names="María José", first_surname="López",
                           second_surname="Díaz", date_of_birth="1990-05-01")
    client, _user = client_for("registration")
    response = _hint_post(client, person_values(given_names="Maria Jose", first_surname="Lopez",
                                                second_surname="Diaz"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text
    assert existing.registration_number in text
    assert reverse("person-detail", args=[existing.registration_number]) in text
    assert 'target="_blank"' in text
    assert "misma fecha de nacimiento" in text
    assert "%" in text
    assert f'name="dup_candidates" value="{existing.registration_number}"' in text


def test_no_hints_for_someone_new():
    make_person()
    client, _user = client_for("registration")
    response = _hint_post(client, person_values(given_names="Wilmer", first_surname="Zelaya",
                                                second_surname="Amaya", date_of_birth="1975-02-02"))
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_going_on_past_duplicate_hints_needs_the_tick_and_a_reason():
    existing = make_person(given_names="José Luis", first_surname="Hernández",
                           second_surname="Cruz", sex="male", date_of_birth="1985-03-12")
    client, _user = client_for("registration")
    data = _post_data(family_of_five(), dup_candidates=[existing.registration_number])

    response = client.post(reverse("household-register"), data)
    assert response.status_code == 422
    assert 'id="dup_confirm-error"' in response.content.decode()
    assert Household.objects.count() == 0
    assert existing.registration_number in response.content.decode()  # hint shown again

    data["dup_confirm"] = "1"
    response = client.post(reverse("household-register"), data)
    assert response.status_code == 422
    assert 'id="dup_reason-error"' in response.content.decode()
    assert Household.objects.count() == 0

    data["dup_reason"] = "Different mother's name and home town; checked his ID card."
    response = client.post(reverse("household-register"), data)
    assert response.status_code == 302
    household = Household.objects.get()
    head = household.members.get(relationship="head").person
    assert head.duplicate_review["candidates"] == [existing.registration_number]


def test_shelter_manager_may_not_register():
    client, _user = client_for("shelter")
    assert client.get(reverse("household-register")).status_code == 403
    assert client.post(reverse("household-register"), _post_data(family_of_five())).status_code \
        == 403
    assert Household.objects.count() == 0


# ---- import -----------------------------------------------------------------------------------

def _upload(client, content: bytes, name: str = "people.csv"):
    return client.post(reverse("people-import"), {"file": SimpleUploadedFile(name, content)})


def _template_csv(client) -> bytes:
    response = client.get(reverse("people-import-template", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content


def test_import_preview_then_confirm_registers_the_people():
    make_point()
    client, _user = client_for("registration")
    assert client.get(reverse("people-import")).status_code == 200
    preview = _upload(client, _template_csv(client))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Revisar la importación" in text
    assert 'name="token"' in text
    assert Person.objects.count() == 0  # a dry run writes nothing

    token = preview.context["token"]
    result = client.post(reverse("people-import-confirm"), {"token": token})
    assert result.status_code == 200
    assert "Importación terminada" in result.content.decode()
    assert Person.objects.count() == 2
    assert Household.objects.get().members.count() == 2
    # the same token cannot be used twice
    again = client.post(reverse("people-import-confirm"), {"token": token}, follow=True)
    assert "súbalo de nuevo" in again.content.decode()
    assert Person.objects.count() == 2


def test_import_preview_lists_every_bad_row_and_offers_no_confirm():
    make_point()
    client, _user = client_for("registration")
    lines = _template_csv(client).decode("utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",female,", ",mujerona,")
    lines[2] = lines[2].replace(",HND,", ",ZZZ,")
    response = _upload(client, ("\n".join(lines) + "\n").encode())
    assert response.status_code == 422
    text = response.content.decode()
    assert "El archivo tiene errores" in text
    assert "<td>2</td><td><code>sex</code></td>" in text
    assert "<td>3</td><td><code>nationality</code></td>" in text
    assert 'name="token"' not in text
    assert Person.objects.count() == 0


def test_an_unreadable_file_is_refused_beside_the_file_input():
    client, _user = client_for("registration")
    response = _upload(client, b"\x00\x01 not a spreadsheet", name="people.pdf")
    assert response.status_code == 400
    assert 'id="file-error"' in response.content.decode()


def test_a_token_from_another_session_is_refused():
    make_point()
    clerk, _user = client_for("registration")
    preview = _upload(clerk, _template_csv(clerk))
    other, _user = client_for("registration")
    response = other.post(reverse("people-import-confirm"), {"token": preview.context["token"]})
    assert response.status_code == 302
    assert Person.objects.count() == 0


def test_xlsx_template_download_and_roles():
    client, _user = client_for("admin")
    response = client.get(reverse("people-import-template", args=["xlsx"]))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert client.get(reverse("people-import-template", args=["pdf"])).status_code == 404
    shelter, _user = client_for("shelter")
    assert shelter.get(reverse("people-import")).status_code == 403
