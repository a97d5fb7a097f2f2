"""A synthetic caravan: rows in the import template's columns, for the demo, tests and benchmarks.

Pure and deterministic: the same ``people``, ``seed`` and ``today`` give the same rows. Nothing
here touches Django or the database, so a million rows take seconds.

Shape, after ``shared/domain/caravan-2018.md`` (estimates, not a census): nationalities 72% HND,
16% SLV, 10% GTM, 2% NIC (IOM survey, Tijuana, Dec 2018); about a third children (UNICEF estimated
about 2,300 children among about 7,000 people); many men 19–45 travelling alone; families with
children, single parents, a few dozen unaccompanied children (SC, each their own household), some
older people, pregnant women (PG), people with disabilities (DS) and a few sensitive needs.
Registration dates follow the route (Tapachula from 19 Oct 2018 to Tijuana in late November);
dates of birth are such that ages are as at registration. About 1.5% of rows are the same person
registered again further along the route with the spellings that drift between registrations
(``standards.md``): accents dropped, b/v, s/z, ll/y, h dropped, surnames swapped or the second
one missing, day and month of birth swapped.

Lone adults are registered without a household (``household_ref`` empty, no relationship); every
other group shares a ``household_ref`` with exactly one ``head``.
"""

import random
import unicodedata
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

COLUMNS = ("household_ref", "relationship", "given_names", "first_surname", "second_surname",
           "sex", "date_of_birth", "age", "nationality", "place_of_birth", "languages", "phone",
           "specific_needs", "consent_purposes", "consent_date", "registration_point",
           "arrival_group")

ARRIVAL_GROUP = {"name": "Caravana octubre 2018", "first_seen_on": date(2018, 10, 13),
                 "first_seen_at": "San Pedro Sula"}
DUPLICATE_RATE = 0.015
ESTIMATED_RATE = 0.15


@dataclass(frozen=True)
class Point:
    code: str
    name: str
    state: str
    municipality: str
    first_day: date
    days: int
    weight: float  # share of registrations made here


# Along the route, in order (caravan-2018.md). The weights are the demo's assumption.
REGISTRATION_POINTS = (
    Point("TAP", "Ciudad Hidalgo / Tapachula", "Chiapas", "Tapachula", date(2018, 10, 19), 4, 30),
    Point("HUI", "Huixtla", "Chiapas", "Huixtla", date(2018, 10, 23), 3, 8),
    Point("ARR", "Arriaga", "Chiapas", "Arriaga", date(2018, 10, 27), 3, 7),
    Point("JUC", "Juchitán", "Oaxaca", "Juchitán de Zaragoza", date(2018, 10, 30), 3, 8),
    Point("CDMX", "Mexico City (Estadio Jesús Martínez \"Palillo\")", "Ciudad de México",
          "Iztacalco", date(2018, 11, 4), 6, 25),
    Point("QRO", "Querétaro", "Querétaro", "Querétaro", date(2018, 11, 10), 2, 5),
    Point("TIJ", "Tijuana (Unidad Deportiva Benito Juárez)", "Baja California", "Tijuana",
          date(2018, 11, 14), 16, 17),
)


class Picker:
    """Weighted choice by bisection over cumulative weights: a few hundred nanoseconds a pick."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


def zipf(items: Sequence[str], exponent: float = 0.9) -> Picker:
    """The first names of the list are common, the last rare (Zipf-like, like real registers)."""
    return Picker(items, [1 / (rank + 1) ** exponent for rank in range(len(items))])


def words(text: str) -> list[str]:
    return text.split()


SURNAMES = zipf(words("""Hernández López Martínez García Rodríguez Mejía Flores Cruz Reyes Ramírez
Aguilar Castillo Díaz Pérez Sánchez Romero Velásquez Zelaya Maldonado Orellana Gómez Ramos
Morales Rivera Ortiz Vásquez Mendoza Núñez Sosa Torres Paz Castro Chávez Álvarez Bonilla Padilla
Guevara Herrera Rivas Ventura Portillo Villanueva Barahona Banegas Murillo Canales Escobar Argueta
Amaya Fuentes Valladares Ávila Lobo Carranza Gutiérrez Juárez Molina Pineda Ponce Bautista Medina
Espinoza Suazo Cáceres Euceda Zavala Girón Sevilla Villeda Galeas Hidalgo Henríquez Bustillo
Calix Cerrato Avelar Zúniga Valle Quintanilla Villalobos Hércules Bárcenas Llanos"""))
# Surnames of the Garifuna coast and of the Mam-speaking highlands of Guatemala.
GARIFUNA_SURNAMES = zipf(words("Martínez Álvarez Bernárdez Güity Suazo Castillo Lacayo Zúniga "
                         "Arzú Sambulá Colón Nolasco"))
MAM_SURNAMES = zipf(words("Pérez López Ramírez Chilel Bámaca Méndez Fuentes Orozco Ramos Velásquez "
                    "Escalante Cux Tomás Domingo"))

MALE_NAMES = zipf([
    "José", "Juan Carlos", "José Luis", "Carlos", "Luis", "Kevin", "Jorge", "Mario", "Wilmer",
    "Óscar", "Marvin", "Elvin", "Nelson", "Denis", "Edwin", "Josué", "Kevin Josué", "Cristian",
    "Brayan", "Selvin", "Henry", "Walter", "Miguel Ángel", "Juan", "Francisco", "Santos", "Pedro",
    "Manuel", "Víctor Hugo", "Jonathan", "Héctor", "Javier", "Roberto", "Ronald", "Erick",
    "Darwin", "Jairo", "Fernando", "Jesús", "Eduardo", "Alexander", "Anderson", "Melvin", "Osman",
    "Julio César", "Luis Fernando", "Carlos Roberto", "Edgar", "Noé", "Rigoberto", "Ángel Gabriel",
    "Dilan", "Jefferson", "Yordi", "Bayron", "Hugo", "Gerson", "Hermes", "Álvaro", "Lenin",
])
FEMALE_NAMES = zipf([
    "María", "María José", "Karla", "Sandra", "Ana", "Dania", "Wendy", "Yolanda", "Suyapa",
    "Maritza", "Yesenia", "Glenda", "Lesly", "Daniela", "Alejandra", "Nohemí", "Reina", "Rosa",
    "Marta", "Blanca", "Sonia", "Iris", "Dilcia", "Xiomara", "Heidy", "Cindy", "Jennifer",
    "Katherine", "Ashley", "Allison", "Génesis", "Dayana", "Ana Lucía", "María de los Ángeles",
    "Fátima", "Lourdes", "Carmen", "Evelyn", "Brenda", "Lilian", "Paola", "Nicole", "Andrea",
    "Valeria", "Sofía", "Olga", "Teresa", "Juana", "Marleny", "Yessica", "Merlin", "Yadira",
    "Floridalma", "Ingrid", "Zoila", "Vilma", "Hilda", "Yanira", "Belkis", "Any Gabriela",
])


@dataclass(frozen=True)
class Origin:
    code: str
    phone_prefix: str
    places: Picker
    other_language: str = ""  # code of a language some households speak besides Spanish
    other_language_share: float = 0.0
    other_language_places: Picker | None = None
    other_surnames: Picker | None = None


ORIGINS = Picker([
    Origin("HND", "+504", Picker(
        ["San Pedro Sula", "Tegucigalpa", "Choloma", "La Ceiba", "El Progreso", "Villanueva",
         "Comayagua", "Danlí", "Juticalpa", "Santa Rosa de Copán", "Olanchito", "Siguatepeque",
         "Choluteca", "Puerto Cortés"],
        [30, 18, 9, 6, 6, 4, 4, 3, 3, 3, 2, 2, 3, 3]),
        "cab", 0.03, Picker(["La Ceiba", "Trujillo", "Tela", "Sambo Creek"], [4, 3, 3, 1]),
        GARIFUNA_SURNAMES),
    Origin("SLV", "+503", Picker(
        ["San Salvador", "Santa Ana", "San Miguel", "Soyapango", "Usulután", "Ahuachapán",
         "Sonsonate", "La Libertad"], [30, 15, 15, 10, 8, 7, 8, 7])),
    Origin("GTM", "+502", Picker(
        ["Ciudad de Guatemala", "Quetzaltenango", "Escuintla", "Chiquimula", "Huehuetenango",
         "San Marcos", "Cobán", "Mixco"], [25, 15, 10, 10, 12, 12, 8, 8]),
        "mam", 0.15, Picker(["San Marcos", "Huehuetenango", "Quetzaltenango", "Tacaná"],
                            [4, 4, 3, 1]),
        MAM_SURNAMES),
    Origin("NIC", "+505", Picker(["Managua", "León", "Chinandega", "Masaya", "Estelí"],
                                 [40, 15, 15, 15, 15])),
], [72, 16, 10, 2])

POINTS = Picker(REGISTRATION_POINTS, [p.weight for p in REGISTRATION_POINTS])
LAST_POINT = REGISTRATION_POINTS[-1]
# Ages of men travelling alone (most 19–45: IOM, Tijuana), of women, and of children.
LONE_MAN_AGES = Picker(range(18, 66), [3 if a < 19 else 10 if a <= 30 else 7 if a <= 45 else 1
                                      for a in range(18, 66)])
WOMAN_AGES = Picker(range(18, 56), [8 if a <= 30 else 5 if a <= 40 else 2 for a in range(18, 56)])
CHILD_AGES = Picker(range(0, 18), [9, 9, 8, 8, 8, 7, 7, 7, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5])
CHILDREN = Picker([1, 2, 3, 4, 5], [44, 33, 15, 6, 2])

# Kinds of travelling group: (builder method, weight). Tuned so that 7,000 people make about
# 2,000 households plus about 1,500 people alone, a third of everyone a child.
GROUPS = (("lone_man", 30), ("lone_woman", 4), ("lone_older", 1.7), ("siblings", 11),
          ("couple", 11), ("family", 20), ("single_mother", 15.5), ("single_father", 2),
          ("grandparent", 0.7), ("unaccompanied", 1.3))
GROUP_KINDS = Picker([g for g, _w in GROUPS], [w for _g, w in GROUPS])


@dataclass
class Member:
    relationship: str
    given_names: str
    first_surname: str
    second_surname: str
    sex: str
    born: date
    age: int
    estimated: bool
    place: str
    languages: str
    phone: str = ""
    needs: tuple[str, ...] = ()


class _Caravan:
    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.households = 0
        self.shift_years = 0

    # ---- people ---------------------------------------------------------------------------
    def surname(self, origin: Origin, speaks_other: bool) -> str:
        if speaks_other and origin.other_surnames and self.rng.random() < 0.6:
            return origin.other_surnames(self.rng)
        return SURNAMES(self.rng)

    def person(self, ctx: dict, relationship: str, sex: str, age: int, first: str = "",
               second: str | None = None, needs: tuple[str, ...] = ()) -> Member:
        rng, origin = self.rng, ctx["origin"]
        given = (MALE_NAMES if sex == "male" else FEMALE_NAMES)(rng)
        first = first or self.surname(origin, ctx["other"])
        if second is None:
            second = self.surname(origin, ctx["other"]) if rng.random() < 0.93 else ""
        born = ctx["registered"] - timedelta(days=int(age * 365.25) + rng.randrange(365))
        phone = ""
        if age >= 16 and rng.random() < 0.45:
            number = rng.randrange(10_000_000)
            phone = (f"{origin.phone_prefix} 9{number // 10_000:03d}-{number % 10_000:04d}"
                     if rng.random() < 0.8 else
                     f"+52 962 {number // 10_000:03d} {number % 10_000:04d}")
        needs = list(needs)
        roll = rng.random()
        if roll < 0.02:
            needs.append("DS")
        elif roll < 0.035:
            needs.append("SM")
        elif roll < 0.04 and age >= 18:
            needs.append("TR")
        elif roll < 0.045:
            needs.append("LP")
        if sex == "female" and 14 <= age <= 45 and rng.random() < 0.02:
            needs.append("SV")
        if age >= 60 and rng.random() < 0.5:
            needs.append("ER")
        if age < 18 and relationship != "head" and rng.random() < 0.01:
            needs.append("CR")
        place = ctx["place"] if rng.random() < 0.8 else (
            (origin.other_language_places if ctx["other"] else origin.places)(rng))
        return Member(relationship, given, first, second, sex, born, age,
                      rng.random() < ESTIMATED_RATE, place, ctx["languages"], phone,
                      tuple(dict.fromkeys(needs)))

    def adult_woman(self, ctx: dict, relationship: str, age: int, needs=()) -> Member:
        needs = list(needs)
        if age <= 42 and self.rng.random() < 0.07:
            needs.append("PG")
        return self.person(ctx, relationship, "female", age, needs=tuple(needs))

    def children(self, ctx: dict, father: str, mother: str, parent_age: int) -> list[Member]:
        count = CHILDREN(self.rng)
        ages = sorted((min(CHILD_AGES(self.rng), max(0, parent_age - 16)) for _ in range(count)),
                      reverse=True)
        return [self.person(ctx, "child", self.rng.choice(("female", "male")), age,
                            first=father, second=mother) for age in ages]

    # ---- groups -----------------------------------------------------------------------------
    def lone_man(self, ctx):
        return [self.person(ctx, "", "male", LONE_MAN_AGES(self.rng))]

    def lone_woman(self, ctx):
        return [self.adult_woman(ctx, "", WOMAN_AGES(self.rng), needs=("WR",)
                                 if self.rng.random() < 0.4 else ())]

    def lone_older(self, ctx):
        sex = self.rng.choice(("female", "male"))
        return [self.person(ctx, "", sex, self.rng.randrange(60, 82))]

    def siblings(self, ctx):
        rng = self.rng
        first, second = self.surname(ctx["origin"], ctx["other"]), self.surname(
            ctx["origin"], ctx["other"])
        age = rng.randrange(18, 40)
        group = [self.person(ctx, "head", "male", age, first, second)]
        for _ in range(rng.choice((1, 1, 1, 2))):
            sex = "male" if rng.random() < 0.75 else "female"
            group.append(self.person(ctx, "sibling", sex, max(15, age + rng.randrange(-6, 7)),
                                     first, second))
        return group

    def couple(self, ctx):
        age = self.rng.randrange(18, 45)
        return [self.person(ctx, "head", "male", age),
                self.adult_woman(ctx, "spouse", max(17, age - self.rng.randrange(0, 7)))]

    def family(self, ctx):
        rng = self.rng
        mother_age = rng.randrange(19, 46)
        father = self.person(ctx, "head", "male", mother_age + rng.randrange(0, 9))
        mother = self.adult_woman(ctx, "spouse", mother_age)
        if rng.random() < 0.04:
            mother.second_surname = f"de {father.first_surname}"
        kids = self.children(ctx, father.first_surname, mother.first_surname, mother_age)
        if kids[-1].age == 0 and rng.random() < 0.5 and "PG" not in mother.needs:
            mother.needs += ("PG",)  # lactating
        group = [father, mother, *kids]
        if rng.random() < 0.06:
            group.append(self.person(ctx, "parent", rng.choice(("female", "male")),
                                     rng.randrange(60, 78)))
        return group

    def single_mother(self, ctx):
        rng = self.rng
        age = rng.randrange(18, 46)
        mother = self.adult_woman(ctx, "head", age, needs=("SP",))
        father = self.surname(ctx["origin"], ctx["other"]) if rng.random() < 0.7 else ""
        kids = self.children(ctx, father or mother.first_surname,
                             mother.first_surname if father else mother.second_surname, age)
        return [mother, *kids]

    def single_father(self, ctx):
        age = self.rng.randrange(20, 50)
        father = self.person(ctx, "head", "male", age, needs=("SP",))
        return [father, *self.children(ctx, father.first_surname, self.surname(
            ctx["origin"], ctx["other"]), age)]

    def grandparent(self, ctx):
        rng = self.rng
        head = self.person(ctx, "head", rng.choice(("female", "female", "male")),
                           rng.randrange(55, 75), needs=("SP",))
        kids = [self.person(ctx, "grandchild", rng.choice(("female", "male")),
                            rng.randrange(1, 16)) for _ in range(rng.choice((1, 2, 2, 3)))]
        for kid in kids:
            kid.first_surname = head.first_surname
        return [head, *kids]

    def unaccompanied(self, ctx):
        sex = "male" if self.rng.random() < 0.8 else "female"
        return [self.person(ctx, "head", sex, self.rng.randrange(12, 18), needs=("SC",))]

    def group(self) -> tuple[list[Member], dict]:
        rng = self.rng
        origin = ORIGINS(rng)
        other = bool(origin.other_language) and rng.random() < origin.other_language_share
        point = POINTS(rng)
        ctx = {
            "origin": origin, "other": other, "point": point,
            "registered": point.first_day + timedelta(days=rng.randrange(point.days)),
            "place": (origin.other_language_places if other else origin.places)(rng),
            "languages": f"{origin.other_language};es" if other else "es",
            "group": "" if rng.random() < 0.04 else ARRIVAL_GROUP["name"],
        }
        kind = GROUP_KINDS(rng)
        members = getattr(self, kind)(ctx)
        if kind not in ("lone_man", "lone_woman", "lone_older"):
            self.households += 1
            ctx["ref"] = f"H{self.households:07d}"
        else:
            ctx["ref"] = ""
        consents = ["registration"]
        if rng.random() < 0.7:
            consents.append("referral")
        if any(m.phone for m in members) and rng.random() < 0.8:
            consents.append("contact")
        ctx["consents"] = ";".join(consents)
        return members, ctx

    # ---- rows -------------------------------------------------------------------------------
    def shifted(self, day: date) -> date:
        try:
            return day.replace(year=day.year + self.shift_years)
        except ValueError:  # 29 February
            return day.replace(year=day.year + self.shift_years, day=28)

    def row(self, member: Member, ctx: dict) -> dict:
        born = self.shifted(member.born)
        if member.estimated:
            today = self.today
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            dob, age_text = "", str(age)
        else:
            dob, age_text = born.isoformat(), ""
        return {
            "household_ref": ctx["ref"], "relationship": member.relationship,
            "given_names": member.given_names, "first_surname": member.first_surname,
            "second_surname": member.second_surname, "sex": member.sex,
            "date_of_birth": dob, "age": age_text, "nationality": ctx["origin"].code,
            "place_of_birth": member.place, "languages": member.languages,
            "phone": member.phone, "specific_needs": ";".join(member.needs),
            "consent_purposes": ctx["consents"],
            "consent_date": self.shifted(ctx["registered"]).isoformat(),
            "registration_point": ctx["point"].code, "arrival_group": ctx["group"],
        }

    def duplicate(self, member: Member, ctx: dict) -> dict:
        """The same person registered again at a later point of the route, spelled differently
        and on their own (``ctx`` is never the last point's: see ``caravan_rows``)."""
        rng = self.rng
        again = Member(**member.__dict__)
        again.relationship = ""
        for drift in rng.sample(DRIFTS, len(DRIFTS)):
            if drift(again, rng) and rng.random() < 0.6:
                break
        point = rng.choice([p for p in REGISTRATION_POINTS
                            if p.first_day > ctx["point"].first_day])
        registered = point.first_day + timedelta(days=rng.randrange(point.days))
        return self.row(again, {**ctx, "ref": "", "point": point, "registered": registered})


# ---- spelling drift ----------------------------------------------------------------------------
def strip_accents(text: str) -> str:
    """Accents dropped, ñ kept (a keyboard without accents still has ñ... mostly)."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and not (ch == "\u0303" and out and out[-1] in "nN"):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _swap_letters(pairs: tuple[tuple[str, str], ...]):
    def drift(member: Member, rng: random.Random) -> bool:
        for part in rng.sample(("given_names", "first_surname", "second_surname"), 3):
            value = getattr(member, part)
            for old, new in rng.sample(pairs, len(pairs)):
                for a, b in ((old, new), (old.capitalize(), new.capitalize())):
                    if a in value:
                        setattr(member, part, value.replace(a, b, 1))
                        return True
        return False
    return drift


def _drop_accents(member: Member, rng: random.Random) -> bool:
    changed = False
    for part in ("given_names", "first_surname", "second_surname"):
        plain = strip_accents(getattr(member, part))
        changed |= plain != getattr(member, part)
        setattr(member, part, plain)
    return changed


def _drop_h(member: Member, rng: random.Random) -> bool:
    for part in ("first_surname", "second_surname", "given_names"):
        value = getattr(member, part)
        if value.startswith("H") and len(value) > 2:
            setattr(member, part, value[1].upper() + value[2:])
            return True
        if "h" in value[1:] and "ch" not in value:
            setattr(member, part, value[0] + value[1:].replace("h", "", 1))
            return True
    return False


def _swap_surnames(member: Member, rng: random.Random) -> bool:
    if not member.second_surname or member.second_surname.startswith("de "):
        return False
    member.first_surname, member.second_surname = member.second_surname, member.first_surname
    return True


def _drop_second_surname(member: Member, rng: random.Random) -> bool:
    if not member.second_surname:
        return False
    member.second_surname = ""
    return True


def _swap_day_month(member: Member, rng: random.Random) -> bool:
    born = member.born
    if member.estimated or born.day > 12 or born.day == born.month:
        return False
    member.born = born.replace(day=born.month, month=born.day)
    return True


DRIFTS = (_drop_accents, _swap_letters((("v", "b"), ("b", "v"))),
          _swap_letters((("z", "s"), ("ásq", "ázq"), ("es", "ez"))),
          _swap_letters((("ll", "y"), ("y", "ll"))),
          _drop_h, _swap_surnames, _drop_second_surname, _swap_day_month)


def caravan_rows(people: int, seed: int, *, today: date | None = None,
                 present_day: bool = True) -> Iterator[dict]:
    """``people`` rows (exactly), about 1.5% of them near-duplicates of earlier rows.

    ``today`` sets the ``age`` column of people whose date of birth is estimated (an import
    turns a stated age into a date counted back from its own today); it defaults to the real one.
    With ``present_day`` the 2018 route is moved to the latest autumn that has ended by ``today``
    (births and consent dates with it), so that ages, age bands and the share of children are those
    of a caravan arriving now rather than of people eight years older.
    """
    today = today or date.today()
    caravan = _Caravan(random.Random(seed), today)
    last_day = max(p.first_day + timedelta(days=p.days) for p in REGISTRATION_POINTS)
    if present_day:
        caravan.shift_years = today.year - last_day.year - (
            (today.month, today.day) < (last_day.month, last_day.day))
    rng = caravan.rng
    duplicates = int(people * DUPLICATE_RATE)
    originals = people - duplicates
    pool: list[tuple[Member, dict]] = []
    emitted = 0
    while emitted < originals:
        members, ctx = caravan.group()
        for member in members[: originals - emitted]:
            yield caravan.row(member, ctx)
            emitted += 1
            if member.age >= 18 and ctx["point"] is not LAST_POINT \
                    and rng.random() < DUPLICATE_RATE * 3:
                pool.append((member, ctx))
    chosen = rng.sample(pool, min(duplicates, len(pool)))
    for _ in range(duplicates - len(chosen)):  # a very small caravan: top up with lone men
        members, ctx = caravan.group()
        yield caravan.row(caravan.lone_man(ctx)[0], {**ctx, "ref": ""})
    for member, ctx in chosen:
        yield caravan.duplicate(member, ctx)
