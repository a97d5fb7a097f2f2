"""The demo's shelters: the route's shelters, the caravan placed, one shelter over capacity
from walk-ins whose override is recorded and audited."""

import io

import pytest
from django.core.management import call_command

from acogida import testing
from acogida.accounts.models import AuditEntry
from acogida.shelter import selectors
from acogida.shelter.demo import OVER, WALK_IN_REASON
from acogida.shelter.models import Stay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_demo_places_the_caravan_and_overfills_one_shelter():
    out = io.StringIO()
    call_command("demo", "--people", "400", "--no-serve", stdout=out)
    assert "Shelters: 5 along the route" in out.getvalue()
    shelters = selectors.list_shelters(user=testing.make_user("coordinator"))
    assert len(shelters) == 5
    over = [o for o in shelters if o.over]
    assert [o.shelter.name for o in over] == [OVER]
    assert any(s.override_reason == WALK_IN_REASON  # encrypted: compared after reading
               for s in Stay.objects.exclude(override_by=""))
    assert AuditEntry.objects.filter(action="stay.override").exists()
    assert AuditEntry.objects.filter(action="placement.confirm").count() == 1
    for o in shelters:  # only the walk-ins' shelter breaks capacity
        if o.shelter.name != OVER:
            assert all(s.occupied <= s.capacity for s in o.sections)
