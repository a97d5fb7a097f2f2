"""A person's photo: re-encoded on the way in, stored privately, served only after an access check.

Re-encoding drops whatever the upload carried besides the picture: EXIF blocks from a phone camera
hold the place and time it was taken, which a registry of people who fled must not keep.
"""

import io
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from acogida.accounts import access, audit
from acogida.core.errors import BadRequest, FieldError, NotFound

from .models import Person
from .selectors import find_person

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 600  # pixels: enough to recognise a face and to print on an ID card
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs early


def _person(registration_number: str, *, lock: bool = False) -> Person:
    return find_person(registration_number, lock=lock)


def _reencode(data: bytes) -> bytes:
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadRequest(_("The photo is too large."), [FieldError(
            "photo", _("At most %(n)d MB.") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)})])
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadRequest(_("The photo could not be read."), [FieldError(
            "photo", _("Upload a JPEG or PNG picture."))]) from exc
    return out.getvalue()


@transaction.atomic
def set_photo(*, actor: audit.Actor, user, registration_number: str, data: bytes) -> Person:
    access.require(user, "person.write")
    person = _person(registration_number, lock=True)
    jpeg = _reencode(data)
    old = person.photo.name if person.photo else None
    person.photo.save(f"{secrets.token_hex(16)}.jpg", ContentFile(jpeg), save=False)
    person.updated_at = timezone.now()
    person.save(update_fields=["photo", "updated_at"])
    if old:
        transaction.on_commit(lambda: person.photo.storage.delete(old))
    audit.record(actor, "person.photo.set", "person", person.registration_number)
    return person


def read_photo(*, actor: audit.Actor, user, registration_number: str) -> bytes:
    access.require(user, "person.photo.read")
    person = _person(registration_number)
    if not person.photo:
        raise NotFound(_("No photo for this person."))
    with person.photo.open("rb") as handle:
        data = handle.read()
    audit.record(actor, "person.photo.read", "person", person.registration_number)
    return data
