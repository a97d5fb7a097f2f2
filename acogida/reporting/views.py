"""The situation picture for coordinators: counts only, never a name."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from acogida.accounts.web_support import actor_of, page
from acogida.core.reference import country_name
from acogida.registry.models import Sex

from . import selectors


def _table(title: str, rows: list[tuple[str, int]]) -> dict:
    return {"title": title, "rows": rows, "largest": max((n for _label, n in rows), default=0)}


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
    return render(request, "reporting/summary.html",
                  {"total": data["total"], "as_of": data["as_of"], "tables": tables})
