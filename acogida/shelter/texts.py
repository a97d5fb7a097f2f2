"""What a broken rule says to a person, in their language (``rules`` stays free of Django)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules

RULE_TITLES = {
    rules.CAPACITY: gettext_lazy("a section never holds more people than its capacity"),
    rules.HOUSEHOLD_TOGETHER: gettext_lazy("a household is placed together"),
    rules.CHILD_SAFE: gettext_lazy("unaccompanied or separated children only in child-safe "
                                   "sections"),
    rules.SECTION_KIND: gettext_lazy("women's sections take women and their children; men's "
                                     "sections take adult men"),
    rules.ACCESSIBLE: gettext_lazy("people who use a wheelchair only in accessible shelters"),
}


def rule_name(rule: str) -> str:
    return _("rule %(number)s (%(rule)s)") % {"number": rules.RULE_NUMBERS[rule], "rule": rule}


def describe(violation: rules.Violation, *, section: str = "", person: str = "") -> str:
    """One sentence; ``section`` and ``person`` are names the caller may show."""
    d = violation.detail
    who = person or _("this person")
    if violation.rule == rules.CAPACITY:
        if d.get("reason") == "unknown_section":
            return _("There is no such section.")
        return _("Section %(section)s is full: %(occupied)s of %(capacity)s places taken, "
                 "%(incoming)s more asked for.") % {
            "section": section, "occupied": d["occupied"], "capacity": d["capacity"],
            "incoming": d["incoming"]}
    if violation.rule == rules.HOUSEHOLD_TOGETHER:
        if d.get("reason") == "shelters":
            return _("The household would be split between shelters.")
        if d.get("reason") == "partly_placed":
            return _("Only part of the household would be placed.")
        return _("The household would be split between sections while a family section has "
                 "room for all of them.")
    if violation.rule == rules.CHILD_SAFE:
        if d.get("reason") == "not_a_child":
            return _("%(section)s is a child-safe section: it takes only unaccompanied or "
                     "separated children, and %(who)s is not one.") % {"section": section,
                                                                        "who": who}
        return _("%(who)s is an unaccompanied or separated child: only a child-safe section, "
                 "not %(section)s.") % {"who": who, "section": section}
    if violation.rule == rules.SECTION_KIND:
        if d.get("reason") == "boy_alone":
            return _("%(section)s is a women's section: %(who)s may stay there only with a "
                     "woman of his household in the same section.") % {
                "section": section, "who": who}
        if d.get("reason") == "women":
            return _("%(section)s is a women's section: it takes women and their children "
                     "(boys up to %(age)s), not %(who)s.") % {
                "section": section, "age": d.get("boy_age_limit"), "who": who}
        return _("%(section)s is a men's section: it takes adult men, not %(who)s.") % {
            "section": section, "who": who}
    return _("%(who)s uses a wheelchair: %(section)s is not in a wheelchair-accessible "
             "shelter.") % {"who": who, "section": section}
