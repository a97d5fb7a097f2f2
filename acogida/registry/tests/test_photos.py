import io

import pytest
from PIL import Image

from acogida import testing
from acogida.accounts.models import AuditEntry


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (1200, 900), (200, 120, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (15.0, 30.0, 0.0)}  # GPS block: where the photo was taken
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def put_photo(client, number, data: bytes, name="face.jpg"):
    return client.post(f"/api/v1/people/{number}/photo", {"photo": _upload(data, name)})


def _upload(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def person(db):
    return testing.make_person()


def test_photo_is_reencoded_without_location_and_served_to_readers(person, settings):
    clerk = testing.api_client(testing.make_user("registration"))
    upload = jpeg_with_location()
    assert 0x8825 in Image.open(io.BytesIO(upload)).getexif()
    response = put_photo(clerk, person.registration_number, upload)
    assert response.status_code == 204, response.content
    person.refresh_from_db()
    assert str(settings.PRIVATE_DIR) in person.photo.path
    stored = Image.open(person.photo.path)
    assert max(stored.size) == 600 and not stored.getexif()
    shelter = testing.api_client(testing.make_user("shelter"))
    served = shelter.get(f"/api/v1/people/{person.registration_number}/photo")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    assert AuditEntry.objects.filter(action="person.photo.read",
                                     object_id=person.registration_number).count() == 1
    assert clerk.get(f"/api/v1/people/{person.registration_number}").json()["has_photo"]


def test_photo_is_refused_to_coordinators(person):
    coordinator = testing.api_client(testing.make_user("coordinator"))
    assert coordinator.get(f"/api/v1/people/{person.registration_number}/photo"
                           ).status_code == 403


def test_not_an_image(person):
    clerk = testing.api_client(testing.make_user("registration"))
    response = put_photo(clerk, person.registration_number, b"%PDF-1.4 not a photo")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "photo"
    person.refresh_from_db()
    assert not person.photo


def test_no_photo_is_404(person):
    clerk = testing.api_client(testing.make_user("registration"))
    assert clerk.get(f"/api/v1/people/{person.registration_number}/photo").status_code == 404
