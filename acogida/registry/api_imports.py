"""Bulk import over the API: ``POST /imports/people`` with a CSV or XLSX file (docs/import.md)."""

from django.http import HttpRequest
from ninja import File, Form, Schema
from ninja.files import UploadedFile

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import imports

router = AccessRouter(tags=["imports"])


class ImportErrorOut(Schema):
    row: int | None = None
    field: str
    message: str


class ImportReportOut(Schema):
    rows: int
    people: int
    households: int
    written: bool
    errors: list[ImportErrorOut]


@router.post("/imports/people", response=ImportReportOut)
@action("person.import")
def import_people(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Check every row of the file and, unless ``dry_run``, import them all or nothing.

    200 with the report for a dry run (even when rows are wrong: the errors are listed) and for a
    successful import; 422 with every row's problems when a real import is refused (nothing is
    written); 400 when the file cannot be read (type, encoding, header).
    """
    report = imports.import_people(actor=actor_of(request), user=user_of(request),
                                   data=file.read(), filename=file.name or "",
                                   dry_run=dry_run)
    return report.as_dict()
