"""A small situation: registered people, a shelter over capacity, flow counts from sources that
disagree. Built through the services."""

from datetime import date

from acogida import testing
from acogida.reporting import services


def flow(user=None, **values):
    defaults = {"date": date(2018, 10, 24), "place": "Mapastepec", "state": "Chiapas",
                "source": "police count", "people_in": 3630}
    defaults.update(values)
    return services.record_flow_count(actor=testing.SYSTEM,
                                      user=user or testing.make_user("coordinator"), **defaults)


def caravan_flows() -> None:
    """The caravan's size on the road (people present), then new arrivals at Tijuana."""
    user = testing.make_user("coordinator")
    group = testing.make_group()
    flow(user, group=group.pk, kind="present")
    flow(user, source="organisers", people_in=10000, group=group.pk, kind="present")
    flow(user, date=date(2018, 10, 25), place="Pijijiapan", people_in=5000, group=group.pk,
         kind="present")
    flow(user, date=date(2018, 11, 14), place="Tijuana", state="Baja California",
         people_in=300)
    flow(user, date=date(2018, 11, 15), place="Tijuana", state="Baja California",
         people_in=500)
