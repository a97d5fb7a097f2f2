"""Registry pages: search, a person, a household, registering a household, duplicate hints.

Thin: each view reads the request, calls one selector or service and renders. Access is decided
in the selectors and services (``access.require``); reads are audited there too.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from acogida.accounts import access
from acogida.accounts.web_support import actor_of, page
from acogida.core.errors import DomainError
from acogida.core.http import private_file
from acogida.documents import selectors as document_selectors

from . import photos, selectors, services
from .forms import HouseholdForm, MemberRow, nationality_choices, need_choices
from .models import ArrivalGroup, ConsentPurpose, RegistrationPoint, Relationship, Sex


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


@page
@require_GET
def person_search(request):
    q = request.GET.get("q", "").strip()[:200]
    result = selectors.search_people(actor=actor_of(request), user=request.user, q=q,
                                     page=_page_number(request.GET.get("page", "")))
    context = {"q": q, "result": result,
               "people": [selectors.person_view(request.user, p) for p in result.items]}
    if request.htmx and not request.htmx.boosted:
        return render(request, "registry/_search_results.html", context)
    return render(request, "registry/search.html", context)


@page
@require_GET
def person_detail(request, registration_number: str):
    person = selectors.get_person(actor=actor_of(request), user=request.user,
                                  registration_number=registration_number)
    data = selectors.person_view(request.user, person)
    household = None
    if data["household"] and access.can(request.user, "household.read"):
        household = selectors.household_view(request.user, selectors.get_household(
            actor=actor_of(request), user=request.user, number=data["household"]))
    documents = None  # roles that may not know of documents see nothing of them
    if access.can(request.user, "document.status"):
        documents = document_selectors.documents_panel(actor=actor_of(request),
                                                       user=request.user, person=person)
    return render(request, "registry/person.html",
                  {"person": data, "household": household, "documents": documents})


@page
@require_GET
def person_photo(request, registration_number: str):
    """The photo, from private storage, to roles that may see it (``photos`` audits the read)."""
    data = photos.read_photo(actor=actor_of(request), user=request.user,
                             registration_number=registration_number)
    return private_file(data, "image/jpeg")  # photos re-encodes every upload


@page
@require_GET
def household_detail(request, number: str):
    household = selectors.get_household(actor=actor_of(request), user=request.user,
                                        number=number)
    return render(request, "registry/household.html",
                  {"household": selectors.household_view(request.user, household)})


# ---- registering a household -------------------------------------------------------------------

def _form_context(request, form: HouseholdForm) -> dict:
    return {
        "form": form,
        "points": RegistrationPoint.objects.order_by("name"),
        "groups": ArrivalGroup.objects.order_by("-first_seen_on", "name"),
        **_row_choices(),
    }


def _row_choices() -> dict:
    return {"relationships": Relationship.choices, "sexes": Sex.choices,
            "nationalities": nationality_choices(), "needs": need_choices(),
            "purposes": ConsentPurpose.choices}


def _hints(request, row: MemberRow) -> list[dict]:
    candidates = selectors.duplicate_candidates(actor=actor_of(request), user=request.user,
                                                values=row.hint_values())
    return [selectors.candidate_view(c) for c in candidates]


@page
@require_http_methods(["GET", "POST"])
def household_register(request):
    access.require(request.user, "household.write")
    if request.method == "GET":
        points = list(RegistrationPoint.objects.values_list("code", flat=True)[:2])
        form = HouseholdForm.initial(points[0] if len(points) == 1 else "")
        return render(request, "registry/register.html", _form_context(request, form))

    form = HouseholdForm.from_post(request.POST)
    action = request.POST.get("action", "save")
    if action == "add":  # without JavaScript: the page comes back with one more row
        form.rows.append(MemberRow.blank(focus=True))
    elif action.startswith("remove:"):
        form.rows = [row for row in form.rows if row.key != action.removeprefix("remove:")]
    else:
        form.check_input()
        if not form.errors:
            try:
                household = services.register_household(
                    actor=actor_of(request), user=request.user,
                    registration_point=form.registration_point,
                    arrival_group=form.arrival_group or None,
                    members=form.members(), duplicate_review=form.duplicate_review())
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                form.attach(str(exc.detail), exc.errors)
            else:
                numbers = list(household.members.order_by("id")
                               .values_list("person__registration_number", flat=True))
                messages.success(request, _(
                    "Household %(household)s registered. Registration numbers: %(numbers)s.")
                    % {"household": household.number, "numbers": ", ".join(numbers)})
                return redirect("household-detail", number=household.number)
    for row in form.rows:  # hints shown before must be shown again with the kept values
        if access.can(request.user, "person.duplicates_check"):
            row.candidates = _hints(request, row)
    status = 422 if form.has_errors else 200
    return render(request, "registry/register.html", _form_context(request, form), status=status)


@page
@require_GET
def member_row(request):
    """A new, empty member row for the registration form (htmx "add member")."""
    access.require(request.user, "household.write")
    return render(request, "registry/_member_row.html",
                  {"row": MemberRow.blank(focus=True), **_row_choices()})


@page
@require_POST
def duplicate_hints(request):
    """People already registered who may be the one typed in a row, shown beside that row."""
    key = request.POST.get("row", "")
    form = HouseholdForm.from_post(request.POST)
    row = next((r for r in form.rows if r.key == key), None)
    if row is None:
        return HttpResponse("")
    row.candidates = _hints(request, row)
    return render(request, "registry/_hints.html", {"row": row})
