"""Synthetic but realistic placement requests along the 2018 caravan's route, for the benchmark
and the tests. Pure: no Django.

Household mix after the caravan's figures (shared/domain/caravan-2018.md): many single men, families
with children, single mothers, a few extended families, a few dozen unaccompanied or separated
children; some wheelchair users, pregnant women and serious medical conditions; one in twenty
households linked to a relative household. Registration at six points of the route; shelters
near the route's towns with four sections each (family, women, men, and mixed or child-safe).
"""

import random

from acogida.shelter.placement import HouseholdNeed, Member, SectionCapacity

POINTS = {  # registration points: lat, lon
    "Tapachula": (14.905, -92.263), "Huixtla": (15.139, -92.466), "Arriaga": (16.236, -93.899),
    "Juchitán": (16.434, -95.020), "Puebla": (19.041, -98.206),
    "Ciudad de México": (19.404, -99.121),
}
TOWNS = list(POINTS.values()) + [(16.753, -93.116), (17.060, -96.725), (18.85, -97.10),
                                 (20.588, -100.389), (20.676, -103.347), (32.514, -117.038)]


def _person(rng, pid, sex, age, **flags):
    return Member(pid, sex, age, wheelchair=rng.random() < 0.006,
                  serious_medical=rng.random() < 0.02,
                  pregnant=sex == "female" and 18 <= age <= 40 and rng.random() < 0.10, **flags)


def households(n, seed=2018):
    rng = random.Random(seed)
    out, pid = [], 0
    points = list(POINTS.values())

    def person(sex, age, **flags):
        nonlocal pid
        pid += 1
        return _person(rng, pid, sex, age, **flags)

    def kids(k):
        return [person(rng.choice(("female", "male")), rng.randint(0, 17)) for _ in range(k)]

    for h in range(1, n + 1):
        r = rng.random()
        if r < 0.28:
            members = [person("male", rng.randint(18, 45))]
        elif r < 0.33:
            members = [person("female", rng.randint(18, 50))]
        elif r < 0.63:
            members = [person("female", rng.randint(20, 42)), person("male", rng.randint(20, 48))]
            members += kids(rng.choice((1, 2, 2, 3, 3, 4, 5)))
        elif r < 0.83:
            members = [person("female", rng.randint(18, 45))] + kids(rng.choice((1, 2, 2, 3, 4)))
        elif r < 0.88:
            members = [person("female", rng.randint(18, 60)), person("male", rng.randint(18, 60))]
        elif r < 0.93:
            members = [person(rng.choice(("female", "male")), rng.randint(18, 70))
                       for _ in range(rng.randint(3, 5))] + kids(rng.randint(2, 6))
        elif r < 0.95:
            members = [person("male", rng.randint(18, 45)) for _ in range(rng.randint(2, 3))]
        elif r < 0.965:
            members = [person(rng.choice(("female", "male")), rng.randint(11, 17),
                              unaccompanied_child=True) for _ in range(rng.choice((1, 1, 2)))]
        elif r < 0.975:  # separated child travelling with an aunt or uncle
            members = [person(rng.choice(("female", "male")), rng.randint(20, 45)),
                       person(rng.choice(("female", "male")), rng.randint(8, 16),
                              unaccompanied_child=True)]
        else:
            members = [person("male", rng.randint(20, 50))] + kids(rng.randint(1, 3))
        out.append([h, tuple(members), (), rng.choice(points)])
    for _ in range(n // 20):  # relatives: pairs of linked households
        a, b = rng.sample(range(n), 2)
        out[a][2] += (out[b][0],)
        out[b][2] += (out[a][0],)
    return [HouseholdNeed(h, members, rel, origin) for h, members, rel, origin in out]


def sections(n_shelters, people, seed=2018, slack=1.04):
    """Four sections per shelter, with room in all for about ``slack`` × ``people``."""
    rng = random.Random(seed + 1)
    out = []
    per_shelter = people * slack / n_shelters
    for k in range(1, n_shelters + 1):
        lat, lon = rng.choice(TOWNS)
        location = (lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2))
        accessible, medical = rng.random() < 0.5, rng.random() < 0.4
        school = round(rng.uniform(0.2, 12), 1) if rng.random() < 0.85 else None
        size = per_shelter * rng.uniform(0.6, 1.4)
        last = "child_safe" if k % 4 == 0 else "mixed"
        share = {"family": 0.50, "women": 0.20, "men": 0.20, last: 0.10}
        for kind, part in share.items():
            capacity = max(4, round(size * part * 1.4))
            occupied = round(capacity * rng.uniform(0.1, 0.45))
            out.append(SectionCapacity(
                f"{k}-{kind}", k, f"Albergue {k}", kind, capacity - occupied, accessible,
                medical, school, location, capacity, occupied))
    return out


def instance(n_households, n_shelters, seed=2018, slack=1.04):
    hh = households(n_households, seed)
    return hh, sections(n_shelters, sum(len(h.members) for h in hh), seed, slack)
