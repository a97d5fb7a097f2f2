"""Small filters the pages share: labels for codes, access flags, bars and percentages."""

from django import template

from acogida.accounts.access import ROLE_LABELS
from acogida.core.reference import SPECIFIC_NEEDS, country_name
from acogida.registry.models import ConsentPurpose, Relationship, Sex

register = template.Library()


@register.filter
def allows(can: dict, action: str) -> bool:
    """``{% if can|allows:"person.read" %}``: the policy keys contain dots."""
    return bool(can and can.get(action))


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def country(code: str) -> str:
    return country_name(code) if code else ""


@register.filter
def need_label(code: str) -> str:
    need = SPECIFIC_NEEDS.get(code)
    return str(need.label) if need else code


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


@register.filter
def sex_label(value: str) -> str:
    return _label(Sex, value)


@register.filter
def relationship_label(value: str) -> str:
    return _label(Relationship, value)


@register.filter
def purpose_label(value: str) -> str:
    return _label(ConsentPurpose, value)


@register.filter
def role_label(value: str) -> str:
    return str(ROLE_LABELS.get(value, value or ""))


@register.filter
def percent(score) -> str:
    """0.834 -> "83 %"."""
    try:
        return f"{round(float(score) * 100)} %"
    except (TypeError, ValueError):
        return ""


@register.filter
def bar_width(value, largest) -> int:
    """Width in percent of a bar for ``value`` when the largest bar is ``largest``."""
    try:
        return max(1, round(100 * int(value) / int(largest))) if int(value) else 0
    except (TypeError, ValueError, ZeroDivisionError):
        return 0
