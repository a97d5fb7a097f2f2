"""Needs of a population against the Sphere ratios, and the gaps of a site. Pure: no Django.

A ratio is either ``per_person`` (m², litres, kcal per person) or ``people_per_unit`` (one tap,
toilet, shower or health worker per N people). Needs are rounded up: 101 people need 3 toilets
at 1 per 50.
"""

import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    unit: str
    per_person: Decimal | float | None = None
    people_per_unit: int | None = None
    facility: str = ""  # the site's field it is compared with; "" = not recorded per site
    source: str = ""
    note: str = ""
    confirmed: bool = True

    @property
    def text(self) -> str:
        if self.per_person is not None:
            return f"{_plain(self.per_person)} {self.unit} / person"
        return f"1 / {self.people_per_unit} people"


@dataclass(frozen=True)
class Need:
    ratio: Ratio
    population: int
    required: int


@dataclass(frozen=True)
class Gap:
    need: Need
    available: int | None  # None: the site does not record it

    @property
    def shortfall(self) -> int | None:
        if self.available is None:
            return None
        return max(0, self.need.required - self.available)

    @property
    def met(self) -> bool | None:
        return None if self.available is None else self.shortfall == 0


def _plain(value) -> str:
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def required(ratio: Ratio, population: int) -> int:
    if population <= 0:
        return 0
    if ratio.per_person is not None:
        return math.ceil(Decimal(str(ratio.per_person)) * population)
    if not ratio.people_per_unit:
        raise ValueError(f"ratio {ratio.key} has neither per_person nor people_per_unit")
    return math.ceil(population / ratio.people_per_unit)


def needs_for(population: int, ratios: list[Ratio]) -> list[Need]:
    if population < 0:
        raise ValueError("population must be 0 or more")
    return [Need(ratio, population, required(ratio, population)) for ratio in ratios]


def gaps(needs: list[Need], facilities: dict[str, int]) -> list[Gap]:
    """Each need against what the site has (``facilities``: Shelter field → amount)."""
    return [Gap(need, facilities.get(need.ratio.facility) if need.ratio.facility else None)
            for need in needs]
