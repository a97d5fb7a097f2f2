"""``acogida plan offer``: counts printed, a one-line reason and a non-zero exit on failure."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from acogida.plan.models import Offer

from . import factories as f

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("plan", "offer", *args, stdout=out)
    return out.getvalue()


def test_offer_at_a_point_by_name_prints_the_counts():
    f.eligible_person()
    f.person_in(given_names="Elvin", first_surname="Mejía", sex="male",
                date_of_birth="1995-04-04")
    dry = _run("--place", "Punto TAP", "--on", "2018-10-27", "--dry-run")
    assert "would be offered" in dry and "dry run" in dry
    assert not Offer.objects.exists()
    out = _run("--place", "Punto TAP", "--on", "2018-10-27")
    assert "1 offers for 1 people; 1 skipped." in out
    assert "rules.application" in out
    assert Offer.objects.get().offered_on == date(2018, 10, 27)


def test_an_unknown_place_or_a_date_before_the_plan_fails_with_one_line():
    f.eligible_person()
    with pytest.raises(CommandError) as failed:
        _run("--place", "Atlantis")
    assert "\n" not in str(failed.value) and "Atlantis" in str(failed.value)
    with pytest.raises(CommandError) as failed:
        _run("--place", "TAP", "--on", "2018-10-25")
    assert "2018-10-26" in str(failed.value)
    with pytest.raises(CommandError):
        _run("--place", "TAP", "--on", "yesterday")
