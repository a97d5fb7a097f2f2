"""What the documents templates need beyond the shared filters: the forms' options, and the
label of a replacement reason or the text of a revocation."""

from django import template

from acogida.documents import forms
from acogida.documents.models import ReplacementReason

register = template.Library()


@register.simple_tag
def document_choices() -> dict:
    """``{% document_choices as choices %}``: legal bases, Mexican states, loss reasons."""
    return forms.choices()


@register.filter
def end_reason(value: str) -> str:
    """A replacement reason's label; a revocation's reason as it was typed."""
    try:
        return str(ReplacementReason(value).label)
    except ValueError:
        return value or ""


@register.simple_tag
def issue_action(doc_type: str) -> str:
    """The action that issues (and so may also end) a document of this type."""
    return f"document.issue.{doc_type}"
