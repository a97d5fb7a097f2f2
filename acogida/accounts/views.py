"""Start page, login and the audit trail. Access is decided in ``access`` and the selectors."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import access, audit
from .forms import TrailForm
from .selectors import person_trail
from .web_support import actor_of, page


@page
def home(request):
    """Each role starts where its work is."""
    if access.can(request.user, "person.read"):
        return redirect("person-search")
    if access.can(request.user, "stats.read"):
        return redirect("stats-summary")
    return render(request, "accounts/home.html")


@page
@require_http_methods(["GET", "POST"])
def audit_trail(request):
    """A person's trail (who read or changed what, when, from where) and the chain check."""
    access.require(request.user, "audit.read")
    context = {"form": TrailForm(), "trail": None, "chain": None}
    if request.method == "POST":
        access.require(request.user, "audit.verify")
        chain = audit.verify_chain()
        audit.record(actor_of(request), "audit.verify", ok=chain.ok, checked=chain.checked,
                     first_bad_seq=chain.first_bad_seq)
        context["chain"] = chain
    elif "number" in request.GET:
        form = TrailForm(request.GET)
        context["form"] = form
        if form.is_valid():
            context["number"] = form.cleaned_data["number"]
            context["trail"] = person_trail(actor=actor_of(request), user=request.user,
                                            registration_number=form.cleaned_data["number"])
    return render(request, "accounts/audit.html", context)
