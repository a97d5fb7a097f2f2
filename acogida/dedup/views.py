"""Review pages (as HOPE's adjudication tickets): the queue, one pair side by side with its
explanation as a chart, decisions; runs and bulk acceptance for coordinators; unmerge.

Thin: each view reads the request, calls one selector or service and renders or redirects.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError, InvalidInput

from . import chart, selectors, services
from .models import PairStatus


def _message(exc: DomainError) -> str:
    parts = [str(exc.detail)] + [str(e.message) for e in exc.errors
                                 if str(e.message) != str(exc.detail)]
    return " ".join(parts)


def _refused(request, exc: DomainError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, _message(exc))


def _number(value, default: int = 1) -> int:
    try:
        return max(1, min(int(value), 100_000))
    except (TypeError, ValueError):
        return default


@page
@require_GET
def queue(request):
    status = request.GET.get("status", PairStatus.PENDING)
    minimum = request.GET.get("min_probability") or None
    try:
        found = selectors.list_pairs(actor=actor_of(request), user=request.user,
                                     status=status or None, min_probability=minimum,
                                     page=_number(request.GET.get("page")))
    except InvalidInput as exc:
        messages.error(request, _message(exc))
        status, minimum = PairStatus.PENDING, None
        found = selectors.list_pairs(actor=actor_of(request), user=request.user, status=status)
    people = selectors.pair_people(found.items)
    return render(request, "dedup/queue.html", {
        "page": found, "pairs": [selectors.pair_view(request.user, p, people, with_counts=False)
                                 for p in found.items],
        "status": status, "statuses": PairStatus.choices, "min_probability": minimum or "",
        "figures": selectors.queue_figures()})


@page
@require_GET
def pair_detail(request, pair_id: int):
    pair = selectors.get_pair(actor=actor_of(request), user=request.user, pair_id=pair_id)
    view = selectors.pair_view(request.user, pair)
    return render(request, "dedup/pair.html", {
        "pair": view, "chart": chart.waterfall(view["explanation"], _("Match weights")),
        "can_decide": access.can(request.user, "dedup.decide")
        and view["status"] != PairStatus.MERGED and view["both_present"]})


@page
@require_POST
def decide(request, pair_id: int):
    decision = request.POST.get("decision", "")
    try:
        services.decide(actor=actor_of(request), user=request.user, pair_id=pair_id,
                        decision=decision, survivor=request.POST.get("survivor", ""),
                        reason=request.POST.get("reason", ""))
    except DomainError as exc:
        _refused(request, exc)
        return redirect("dedup-pair", pair_id=pair_id)
    messages.success(request, _("Decision recorded."))
    return redirect("dedup-queue")


@page
@require_GET
def runs(request):
    access.require(request.user, "dedup.run")
    return render(request, "dedup/runs.html", {
        "runs": selectors.latest_runs(user=request.user), "figures": selectors.queue_figures(),
        "default_threshold": services.DEFAULT_THRESHOLD,
        "bulk_minimum": services.BULK_MIN_PROBABILITY,
        "can_bulk": access.can(request.user, "dedup.bulk_accept")})


@page
@require_POST
def start_run(request):
    try:
        result = services.run(actor=actor_of(request), user=request.user,
                              threshold=request.POST.get("threshold") or None,
                              retrain=bool(request.POST.get("retrain")))
    except DomainError as exc:
        _refused(request, exc)
        return redirect("dedup-runs")
    run = result.run
    messages.success(request, _("Run finished: %(people)s people, %(pairs)s pairs (%(new)s new)"
                                " in %(s)s s.") % {"people": run.people, "pairs": run.pairs,
                                                   "new": run.new_pairs, "s": run.seconds})
    return redirect("dedup-runs")


@page
@require_POST
def bulk_accept(request):
    try:
        report = services.bulk_accept(actor=actor_of(request), user=request.user,
                                      min_probability=request.POST.get("min_probability"))
    except DomainError as exc:
        _refused(request, exc)
        return redirect("dedup-runs")
    messages.success(request, _("%(m)s pairs merged, %(s)s skipped.")
                     % {"m": len(report.merged), "s": len(report.skipped)})
    for skipped in report.skipped[:10]:
        messages.warning(request, _("Pair %(p)s skipped: %(r)s")
                         % {"p": skipped["pair"], "r": skipped["reason"]})
    return redirect("dedup-runs")


@page
@require_POST
def unmerge(request, registration_number: str):
    try:
        record = services.unmerge(actor=actor_of(request), user=request.user,
                                  registration_number=registration_number)
    except DomainError as exc:
        _refused(request, exc)
        return redirect(reverse("person-detail", args=[registration_number]))
    messages.success(request, _("%(n)s is a record of its own again.")
                     % {"n": record.merged_number})
    for document in record.revoked_documents:
        messages.warning(request, _("Document %(d)s was revoked as a duplicate by the merge and "
                                    "stays revoked: %(h)s needs a new one.")
                         % {"d": document["document"], "h": document["holder"]})
    return redirect(reverse("person-detail", args=[record.merged_number]))
