"""``acogida schools enrol --shelter S [--dry-run]``."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from acogida.accounts.models import AuditEntry
from acogida.schooling.models import BulkProposal, Enrolment

from .factories import family, school_near, shelter_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter():
    shelter = shelter_with(family("Ramos", 8, 8), family("Cruz", 8, 2))
    school_near("Primaria Cercana", 1.0, {3: 2})
    return shelter


def _run(*args) -> str:
    out = io.StringIO()
    call_command("schools", "enrol", *args, "--today", "2018-11-15", stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_summary_and_changes_nothing(shelter):
    out = _run("--shelter", str(shelter.pk), "--dry-run")
    assert "dry run" in out and "Primaria Cercana" in out
    assert "2 to enrol, 1 to waitlist (no seat)" in out
    assert "not of school age" in out
    assert not BulkProposal.objects.exists() and not Enrolment.objects.exists()


def test_enrol_by_name_makes_and_confirms_the_proposal(shelter):
    out = _run("--shelter", "Estadio Palillo")
    assert "Confirmed proposal" in out and "2 enrolled, 1 waitlisted" in out
    assert sorted(Enrolment.objects.values_list("status", flat=True)) == [
        "enrolled", "enrolled", "waitlisted"]
    assert BulkProposal.objects.get().status == "confirmed"
    assert AuditEntry.objects.filter(action="school.proposal.confirm", actor="cli").exists()
    again = _run("--shelter", "Estadio Palillo")  # everyone is enrolled already
    assert "0 to enrol" in again and "3 already enrolled" in again


@pytest.mark.parametrize("args, reason", [
    (["--shelter", "Albergue que no existe"], "No such shelter"),
    (["--shelter", "Estadio Palillo", "--school-year", "1900"], "School year"),
])
def test_failures_exit_with_a_one_line_reason(shelter, args, reason):
    with translation.override("en"), pytest.raises(CommandError) as failed:
        _run(*args)
    assert reason in str(failed.value) and "\n" not in str(failed.value)
    assert not Enrolment.objects.exists()


def test_no_schools_or_bad_date_is_a_clear_failure(db):
    shelter = shelter_with(family("Ramos", 8))
    with pytest.raises(CommandError, match="no schools yet"):
        _run("--shelter", str(shelter.pk))
    with pytest.raises(CommandError, match="real date"):
        call_command("schools", "enrol", "--shelter", "1", "--today", "2018-02-30")
