"""Importing people from a CSV or XLSX file: upload -> preview (dry run) -> confirm -> result.

The file is checked in full before anything is written; it is kept privately between preview and
confirmation under a token that only the session that uploaded it may use.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import BadRequest, InvalidInput, NotFound

from . import import_files, imports

SESSION_KEY = "import_tokens"
SHOWN_ERRORS = 500
TEMPLATES = {
    "csv": ("text/csv; charset=utf-8", "template_csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "template_xlsx"),
}


def _preview(request, report, *, token: str = "", filename: str = "", status: int = 200):
    return render(request, "registry/import_preview.html", {
        "report": report, "token": token, "filename": filename,
        "errors": report.errors[:SHOWN_ERRORS],
        "more_errors": max(0, len(report.errors) - SHOWN_ERRORS),
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def people_import(request):
    access.require(request.user, "person.import")
    if request.method == "GET":
        return render(request, "registry/import.html", {})
    upload = request.FILES.get("file")
    if upload is None:
        return render(request, "registry/import.html",
                      {"file_errors": [_("Choose a CSV or XLSX file.")]}, status=400)
    data, filename = upload.read(), upload.name or ""
    try:
        report = imports.import_people(actor=actor_of(request), user=request.user, data=data,
                                       filename=filename, dry_run=True)
    except BadRequest as exc:
        return render(request, "registry/import.html", {
            "file_errors": [str(exc.detail)], "detail_errors": exc.errors[:SHOWN_ERRORS],
        }, status=400)
    token = ""
    if not report.errors:
        token = import_files.stage_file(data=data, filename=filename)
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
    return _preview(request, report, token=token, filename=filename,
                    status=422 if report.errors else 200)


@page
@require_POST
def people_import_confirm(request):
    access.require(request.user, "person.import")
    token = request.POST.get("token", "")
    if token not in request.session.get(SESSION_KEY, []):
        messages.error(request, _("That upload is no longer waiting; upload the file again."))
        return redirect("people-import")
    try:
        data, filename = import_files.read_staged(token)
    except NotFound:
        messages.error(request, _("That upload is no longer waiting; upload the file again."))
        return redirect("people-import")
    try:
        report = imports.import_people(actor=actor_of(request), user=request.user, data=data,
                                       filename=filename, dry_run=False)
    except (InvalidInput, BadRequest) as exc:
        # The registry changed since the preview (or the file did): show why, write nothing.
        return render(request, "registry/import.html", {
            "file_errors": [str(exc.detail)], "detail_errors": exc.errors[:SHOWN_ERRORS],
        }, status=422)
    finally:
        request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, [])
                                        if t != token]
    import_files.discard_staged(token)
    return render(request, "registry/import_result.html", {"report": report,
                                                           "filename": filename})


@page
@require_GET
def people_import_template(request, fmt: str):
    access.require(request.user, "person.import")
    if fmt not in TEMPLATES:
        raise Http404(_("Templates are CSV or XLSX."))
    content_type, maker = TEMPLATES[fmt]
    response = HttpResponse(getattr(import_files, maker)(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="acogida-people.{fmt}"'
    return response
