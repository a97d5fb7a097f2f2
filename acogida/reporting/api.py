from datetime import date

from django.http import HttpRequest
from ninja import Schema

from acogida.accounts.api_support import AccessRouter, action, actor_of, user_of

from . import selectors

router = AccessRouter(tags=["statistics"])


class SummaryOut(Schema):
    total: int
    as_of: date
    sex: dict[str, int]
    age_band: dict[str, int]
    nationality: dict[str, int]
    household_size: dict[str, int]


@router.get("/stats/summary", response=SummaryOut)
@action("stats.read")
def stats_summary(request: HttpRequest):
    """Head count and breakdowns by sex, age band, nationality and household size; no names."""
    return selectors.summary(actor=actor_of(request), user=user_of(request))
