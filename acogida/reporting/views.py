"""The situation picture for coordinators: counts only, never a name."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.reference import country_name
from acogida.registry.models import Sex

from . import selectors
from .suppression import as_number


def _table(title: str, rows: list[tuple[str, int | str]]) -> dict:
    """Counts of 1–4 come as "<5": shown as such, drawn as no bar."""
    return {"title": title, "rows": rows,
            "largest": max((as_number(n) for _label, n in rows), default=0)}


@page
@require_GET
def summary(request):
    data = selectors.summary(actor=actor_of(request), user=request.user)
    sex_labels = dict(Sex.choices)
    tables = [
        _table(_("By sex"), [(str(sex_labels.get(code, code)), n)
                             for code, n in data["sex"].items()]),
        _table(_("By age"), [(_("%(band)s years") % {"band": band}, n)
                             for band, n in data["age_band"].items()]),
        _table(_("By nationality"), [(f"{country_name(code)} ({code})", n)
                                     for code, n in data["nationality"].items()]),
        _table(_("Households by number of members"), [
            (ngettext("%(n)s member", "%(n)s members", int(size)) % {"n": size}, n)
            for size, n in data["household_size"].items()]),
    ]
    total = data["total"]
    return render(request, "reporting/summary.html",
                  {"total": total, "as_of": data["as_of"], "tables": tables,
                   "plural": total if isinstance(total, int) else 2})


@page
@require_GET
def dashboard(request):
    """Panels of aggregates with their tables and CSV links; filters in the query string. A bad
    filter shows the form with the field's message (422), never a 500."""
    from acogida.core.errors import InvalidInput

    from . import dashboard as board
    from .filters import Filters, parse

    access.require(request.user, "stats.read")
    errors, status = {}, 200
    try:
        filters = parse(request.GET)
    except InvalidInput as exc:
        errors = {e.field: str(e.message) for e in exc.errors}
        filters, status = Filters(), 422
    panels = board.panels(user=request.user, filters=filters)
    selectors.record_read(actor_of(request), "dashboard", filters)
    context = {"panels": panels, "filters": filters, "errors": errors, "raw": request.GET,
               "groups": selectors.arrival_groups(),
               "report_url": reverse("api-v1:daily_report")}
    template = "reporting/_panels.html" if request.htmx else "reporting/dashboard.html"
    return render(request, template, context, status=status)
