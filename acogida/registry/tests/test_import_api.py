"""``POST /api/v1/imports/people`` as an outside program sees it: status codes and the report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from acogida import testing
from acogida.core.errors import BadRequest
from acogida.registry.models import Person

URL = "/api/v1/imports/people"
HEADER = "given_names,first_surname,sex,date_of_birth,nationality,registration_point\n"
GOOD = HEADER + "Ana,Cruz,F,1990-01-01,HND,TAP\nLuis,Paz,M,1985-02-03,SLV,TAP\n"
BAD = HEADER + "Ana,Cruz,F,1990-01-01,HND,TAP\nLuis,Paz,M,1985-02-03,ZZZ,TAP\n"


@pytest.fixture
def clerk(db):
    testing.make_point()
    return testing.api_client(testing.make_user("registration"))


def upload(client, text, *, dry_run=None, name="people.csv", encoding="utf-8"):
    body = {"file": SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")}
    if dry_run is not None:
        body["dry_run"] = "true" if dry_run else "false"
    return client.post(URL, body, HTTP_ACCEPT_LANGUAGE="en")


def test_import_writes_and_reports(clerk):
    response = upload(clerk, GOOD)
    assert response.status_code == 200, response.json()
    assert response.json() == {"rows": 2, "people": 2, "households": 0, "written": True,
                               "errors": []}
    assert Person.objects.count() == 2


def test_dry_run_with_errors_is_200_and_writes_nothing(clerk):
    response = upload(clerk, BAD, dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert body["written"] is False
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "nationality")]
    assert Person.objects.count() == 0


def test_bad_rows_on_a_real_import_are_422(clerk):
    response = upload(clerk, BAD, dry_run=False)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "nationality")]
    assert body["errors"][0]["message"]
    assert Person.objects.count() == 0


@pytest.mark.parametrize("text, name, encoding", [
    (GOOD, "people.pdf", "utf-8"),
    ("nombre,apellido\nJosé,Peña\n", "people.csv", "cp1252"),
    ("nickname,given_names\nx,y\n", "people.csv", "utf-8"),
])
def test_unreadable_file_is_400(clerk, text, name, encoding):
    response = upload(clerk, text, name=name, encoding=encoding)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert Person.objects.count() == 0


def test_role_without_import_is_403(db):
    testing.make_point()
    client = testing.api_client(testing.make_user("shelter"))
    response = upload(client, GOOD)
    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_anonymous_is_401(db):
    from django.test import Client

    response = upload(Client(), GOOD)
    assert response.status_code == 401


def test_a_huge_cell_is_a_clear_400_not_a_500(db):
    from acogida.registry import imports

    testing.make_point()
    data = ("given_names,first_surname,sex,date_of_birth,nationality,registration_point\n"
            "Ana," + "x" * 200_000 + ",female,1990-01-01,HND,TAP\n").encode()
    user = testing.make_user("registration")
    with pytest.raises(BadRequest) as raised:
        imports.import_people(actor=testing.SYSTEM, user=user, data=data, filename="a.csv",
                              dry_run=True)
    assert "2" in str(raised.value.detail)
