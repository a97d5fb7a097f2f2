"""The access policy, as data, in one place.

``PERMISSIONS`` says which role may perform which action; ``FIELD_GROUPS`` which groups of a
person's fields each role may see. Services and selectors call ``require``/``can``; views and API
endpoints declare their action and never decide access themselves. The access-matrix test walks
every API route and every role against this table.
"""

from django.utils.translation import gettext_lazy as _

from acogida.core.errors import Forbidden

ROLES = ("registration", "caseworker", "medical", "education", "shelter", "coordinator", "admin")
ROLE_LABELS = {
    "registration": _("Registration clerk"),
    "caseworker": _("Case officer"),
    "medical": _("Medical staff"),
    "education": _("Education staff"),
    "shelter": _("Shelter manager"),
    "coordinator": _("Coordinator"),
    "admin": _("Administrator"),
}

_OPERATIONAL = {"registration", "caseworker", "medical", "education", "shelter", "admin"}

PERMISSIONS: dict[str, frozenset[str]] = {
    # people and households
    "person.read": frozenset(_OPERATIONAL),
    "person.write": frozenset({"registration", "caseworker", "admin"}),
    "person.photo.read": frozenset(_OPERATIONAL),
    "household.read": frozenset(_OPERATIONAL),
    "household.write": frozenset({"registration", "caseworker", "admin"}),
    "person.duplicates_check": frozenset({"registration", "caseworker", "admin"}),
    "person.import": frozenset({"registration", "admin"}),
    # the registry's lookup lists (registration points, arrival groups)
    "reference.read": frozenset(_OPERATIONAL | {"coordinator"}),
    "reference.write": frozenset({"admin"}),
    # documents: temporary ID cards and work permits
    # the documents themselves (numbers, states, history) are for those who issue them; the
    # other operational roles learn only whether a person holds a valid one
    "document.read": frozenset({"registration", "caseworker", "admin"}),
    "document.status": frozenset(_OPERATIONAL),
    "document.issue.temporary_id": frozenset({"registration", "caseworker", "admin"}),
    "document.issue.work_permit": frozenset({"caseworker", "admin"}),
    "document.print": frozenset({"registration", "caseworker", "admin"}),
    "document.hand_over": frozenset({"registration", "caseworker", "admin"}),
    "document.revoke": frozenset({"registration", "caseworker", "admin"}),
    "document.keys.rotate": frozenset({"admin"}),
    # shelters: the manager runs a shelter day to day and sees its residents' names (never
    # medical or asylum details); coordinators see occupancy only; a case officer may override a
    # hard placement rule with a recorded reason
    "shelter.read": frozenset({"shelter", "caseworker", "registration", "coordinator", "admin"}),
    "shelter.manage": frozenset({"shelter", "admin"}),
    "stay.read": frozenset({"shelter", "caseworker", "admin"}),
    "stay.write": frozenset({"shelter", "caseworker", "admin"}),
    "stay.override": frozenset({"caseworker", "admin"}),
    "placement.propose": frozenset({"shelter", "coordinator", "caseworker", "admin"}),
    "placement.confirm": frozenset({"shelter", "caseworker", "admin"}),
    # medical care: only medical staff read or write it; an admin may break the glass with a
    # recorded reason; other roles learn at most "has an open urgent referral"
    "health.read": frozenset({"medical"}),
    "health.write": frozenset({"medical"}),
    "health.break_glass": frozenset({"admin"}),
    "health.urgent_flag": frozenset({"medical", "caseworker", "shelter", "admin"}),
    "health.stats": frozenset({"coordinator", "medical", "admin"}),
    # schooling: class lists show name, age, grade, guardian and contact, nothing else
    "school.read": frozenset({"education", "caseworker", "admin"}),
    "school.manage": frozenset({"education", "admin"}),
    "school.enrol": frozenset({"education", "caseworker", "admin"}),
    "school.stats": frozenset({"coordinator", "education", "admin"}),
    # the "Estás en tu casa" plan: offers name people; medical staff read a person's plan (care
    # at IMSS is part of it); coordinators see the figures only, never names
    "plan.read": frozenset({"registration", "caseworker", "medical", "admin"}),
    "plan.offer": frozenset({"registration", "caseworker", "admin"}),
    "plan.record_application": frozenset({"registration", "caseworker", "admin"}),
    "plan.pet": frozenset({"caseworker", "admin"}),
    "plan.stats": frozenset({"coordinator", "caseworker", "admin"}),
    # asylum claims: the narrative, the facts and the screening reasons are for case officers
    # (and admins) only; coordinators count claims, never read them
    "claim.read": frozenset({"caseworker", "admin"}),
    "claim.write": frozenset({"caseworker", "admin"}),
    "claim.narrative": frozenset({"caseworker", "admin"}),
    "claim.screen": frozenset({"caseworker", "admin"}),
    "claim.stats": frozenset({"coordinator", "caseworker", "admin"}),
    "screening.run": frozenset({"caseworker", "admin"}),
    "screening.schema": frozenset(_OPERATIONAL | {"coordinator"}),
    # identity resolution (dedup): a run scores the whole registry; the review queue shows
    # pairs side by side (identity and counts of linked records, never medical or asylum
    # content); case officers merge; coordinators may bulk-accept near-certain pairs
    "dedup.run": frozenset({"coordinator", "admin"}),
    "dedup.review": frozenset({"registration", "caseworker", "admin"}),
    "dedup.decide": frozenset({"caseworker", "admin"}),
    "dedup.bulk_accept": frozenset({"coordinator", "admin"}),
    # a merge revokes the less advanced of two active documents of one type (reason
    # "duplicate"); coordinators may do only that, through bulk acceptance
    "document.revoke.duplicate": frozenset({"coordinator", "caseworker", "admin"}),
    "person.unmerge": frozenset({"caseworker", "admin"}),
    # aggregates, never names
    "stats.read": frozenset({"coordinator", "admin"}),
    # the situation picture: flow counts (DTM-style, aggregates) recorded at registration
    # points and by coordinators; the Sphere planning ratios; a person-level export (admin only,
    # with a stated purpose, as an encrypted archive, audited)
    "flows.write": frozenset({"registration", "coordinator", "admin"}),
    "planning.write": frozenset({"coordinator", "admin"}),
    "export.person_level": frozenset({"admin"}),
    # audit trail
    "audit.read": frozenset({"admin"}),
    "audit.verify": frozenset({"admin"}),
    # accounts
    "user.manage": frozenset({"admin"}),
}

# Groups of a person's fields; "identity" is what any reader of a person sees.
FIELD_GROUPS: dict[str, frozenset[str]] = {
    "identity": frozenset(_OPERATIONAL),
    "contact": frozenset(_OPERATIONAL),
    "origin": frozenset(_OPERATIONAL),
    "needs": frozenset(_OPERATIONAL),
    "needs.sensitive": frozenset({"caseworker", "medical", "admin"}),
    "consent": frozenset(_OPERATIONAL),
    "registration": frozenset(_OPERATIONAL),
}


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def can(user, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"no access policy for action {action!r}")
    return role_of(user) in PERMISSIONS[action]


def require(user, action: str) -> None:
    if not can(user, action):
        raise Forbidden(_("Your role may not do this (%(action)s).") % {"action": action})


def sees(user, group: str) -> bool:
    return role_of(user) in FIELD_GROUPS[group]


def visible_groups(user) -> frozenset[str]:
    role = role_of(user)
    return frozenset(group for group, roles in FIELD_GROUPS.items() if role in roles)
