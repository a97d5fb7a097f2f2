"""The eligibility engine's outcomes in words, in the reader's language (``eligibility`` stays
free of Django)."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import eligibility
from .models import ApplicationKind


def status_label(status: str) -> str:
    return {eligibility.PASSED: _("passed"), eligibility.FAILED: _("failed"),
            eligibility.UNKNOWN: _("unknown"), eligibility.ELIGIBLE: _("eligible"),
            eligibility.NOT_ELIGIBLE: _("not eligible")}.get(status, status)


def title(titles: dict) -> str:
    language = (get_language() or "es")[:2]
    return titles.get(language) or titles.get("es") or next(iter(titles.values()), "")


def _day(value) -> str:
    return value.isoformat() if value else "—"


def _source(source: str) -> str:
    return {"stay": _("shelter stay"), "registration": _("registration point"),
            "offer": _("place of the offer")}.get(source, source)


def _kind(kind: str) -> str:
    return str(ApplicationKind(kind).label) if kind in ApplicationKind.values else kind


def why(outcome: eligibility.Outcome) -> str:
    """One sentence on why the rule passed, failed or is unknown."""
    p = outcome.params
    if outcome.why == "before":
        return _("The plan starts on %(from)s; it was not in force yet.") % {
            "from": _day(p["from"])}
    if outcome.why == "ended":
        return _("The plan ended on %(to)s.") % {"to": _day(p["to"])}
    if outcome.why == "in_force":
        if p.get("to"):
            return _("In force from %(from)s to %(to)s.") % {"from": _day(p["from"]),
                                                             "to": _day(p["to"])}
        return _("In force from %(from)s; no end date is confirmed.") % {
            "from": _day(p["from"])}
    if outcome.why == "no_version":
        return _("No version of this rule is in force on this date.")
    if outcome.why == "location_unknown":
        if p.get("registered_on"):
            return _("Where the person was on this date is not recorded: no shelter stay, and "
                     "the registration point (%(day)s) counts only up to %(days)s days after "
                     "registering.") % {"day": _day(p["registered_on"]), "days": p["days"]}
        return _("Where the person was on this date is not recorded (registered later and no "
                 "shelter stay).")
    if outcome.why == "nationality_unknown":
        return _("The person's nationality is not recorded.")
    if outcome.why in ("nationality_covered", "nationality_not_covered"):
        values = {"nationality": p["nationality"], "nationalities": ", ".join(p["nationalities"])}
        if outcome.why == "nationality_covered":
            return _("Nationality %(nationality)s: Central American.") % values
        return _("Nationality %(nationality)s; the plan is for Central Americans "
                 "(%(nationalities)s).") % values
    if outcome.why in ("in_state", "not_in_state"):
        values = {"state": p["state"], "source": _source(p["source"]),
                  "states": ", ".join(p["states"])}
        if outcome.why == "in_state":
            return _("In %(state)s (%(source)s).") % values
        return _("In %(state)s (%(source)s); the plan covers %(states)s.") % values
    if outcome.why == "applied":
        values = {"kind": _kind(p["kind"]), "authority": p["authority"],
                  "filed_on": _day(p["filed_on"])}
        if p.get("source") == "household":
            return _("A member of the household applied for %(kind)s on %(filed_on)s; the "
                     "application covers the household.") % values
        return _("Applied for %(kind)s on %(filed_on)s.") % values
    if outcome.why == "no_application":
        return _("No application to INM (regular entry) or COMAR (refugee status) filed by "
                 "this date.")
    return outcome.why


def explain(result: eligibility.Result, policy: eligibility.Policy) -> list[dict]:
    """Rule by rule, for the API and the pages."""
    rules = {r.id: r for r in policy.rules}
    lines = []
    for o in result.outcomes:
        rule = rules[o.rule]
        version = next((v for v in rule.versions if v.id == o.version), None)
        lines.append({"rule": o.rule, "title": title(rule.title), "status": o.status,
                      "status_label": status_label(o.status), "why": why(o),
                      "source": rule.citation, "version": o.version,
                      "in_force_from": version.in_force_from if version else None,
                      "in_force_to": version.in_force_to if version else None})
    return lines
