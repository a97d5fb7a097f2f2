"""docs/policies.md is generated from the policy files and must match them."""

from pathlib import Path

from acogida.asylum.screening.docs import render_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "policies.md"


def test_committed_policies_doc_matches_the_generator():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate: python -m acogida.asylum.screening.docs > docs/policies.md")
