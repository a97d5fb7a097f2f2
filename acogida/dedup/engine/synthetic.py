"""A synthetic Spanish-name set with ground truth, for tests and the benchmark.

Households of Honduran, Salvadoran and Guatemalan people (children carry the father's first and
the mother's first surname), about 30% of people registered again 1–3 times with the drift of
``standards.md``: accents dropped, b/v, s/z/c, ll/y, h dropped, surnames swapped or one missing, a
second given name left out, the date of birth estimated (1 January) or typed day first, typos.
Names are drawn from Zipf-like lists so Hernández, López and García collide as they do in real
registers. Deterministic for a seed.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

import pyarrow as pa

from .features import household_signature


def _words(text: str) -> list[str]:
    return text.split()


class _Zipf:
    __slots__ = ("items", "cum", "total")

    def __init__(self, items: list[str], exponent: float = 1.0):
        self.items = items
        self.cum = list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(items))))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect(self.cum, rng.random() * self.total)]


SURNAMES = _Zipf(_words("""
Hernández López García Martínez Rodríguez Pérez Mejía Flores Cruz Reyes Ramírez Aguilar Castillo
Díaz Sánchez Romero Velásquez Zelaya Maldonado Orellana Gómez Ramos Morales Rivera Ortiz Vásquez
Mendoza Núñez Sosa Torres Paz Castro Chávez Álvarez Bonilla Padilla Guevara Herrera Rivas
Ventura Portillo Villanueva Barahona Banegas Murillo Canales Escobar Argueta Amaya Fuentes
Valladares Ávila Lobo Carranza Gutiérrez Juárez Molina Pineda Ponce Bautista Medina Espinoza
Suazo Cáceres Euceda Zavala Girón Sevilla Villeda Galeas Hidalgo Henríquez Bustillo Calix
Cerrato Avelar Zúniga Valle Quintanilla Villalobos Hércules Bárcenas Llanos Alvarado Aguirre
Andino Arias Artiga Barrientos Benítez Bermúdez Betancourth Borjas Cabrera Calderón Cálix Campos
Cardona Carbajal Castellanos Cerna Cortez Coto Chinchilla Dubón Durón Elvir Enamorado Erazo
Estrada Fajardo Ferrera Figueroa Fonseca Funes Gálvez Gámez Garay Godoy Guardado Guillén Guzmán
Hernández Irías Izaguirre Jiménez Lagos Lara Leiva Lemus Lozano Machado Madrid Mairena
Manzanares Márquez Matute Melgar Méndez Mendoza Meza Midence Miranda Moncada Montoya Mora Moreno
Munguía Navarro Nolasco Ochoa Oliva Ordóñez Orellana Osorio Palma Pacheco Pavón Peña Perdomo
Pineda Posadas Pozo Quezada Quiroz Raudales Recinos Rosales Rosa Ruiz Salgado Salinas Sandoval
Santos Serrano Sierra Solís Soto Tábora Tercero Toledo Trejo Turcios Urbina Valdez Valenzuela
Varela Vargas Vega Velázquez Vallecillo Villatoro Yanes Zepeda Zamora Acosta Alemán Almendárez
Ayala Baquedano Barahona Barrera Bonilla Bustamante Caballero Calles Carías Cárcamo Castañeda
Cerrato Colindres Contreras Córdova Corea Cubas Dávila Delcid Discua Domínguez Escoto Espinal
Euceda Ferrufino Flores Galindo Gaitán Gonzales González Guifarro Hércules Inestroza Lanza
Licona Lobo Luna Maradiaga Marroquín Matamoros Mendieta Molina Montes Mondragón Motiño Nájera
Noriega Oseguera Padgett Paguada Paredes Peralta Pinto Polanco Puerto Rápalo Reyes Rivas Robles
Rubio Saravia Sarmiento Sauceda Segovia Sevilla Suárez Tinoco Torres Ulloa Umaña Urquía Vallejo
Velasco Villeda Xatruch Yánez Zapata Zavala Ajú Bámaca Chilel Cux Tzoc Xicará Coc Choc Caal Pop
Tut Ixcoy Sic Tomás Domingo Escalante Orozco Monzón Barrios Cifuentes Ovalle Melgar Arévalo
Ayala Quijada Landaverde Guandique Alfaro Aguillón Chicas Funes Henríquez Iraheta Lainez Mancía
Menjívar Pocasangre Rivas Serpas Villalta Zometa Ábrego Argueta Beltrán Canjura Deras Granados
Hándal Jovel Lovo Marinero Orantes Palacios Quintanilla Rauda Rodas Sibrián Tobar Ventura"""), 1.0)

MALE = _Zipf(_words("""
José Juan Carlos Luis Kevin Jorge Mario Wilmer Óscar Marvin Elvin Nelson Denis Edwin Josué
Cristian Brayan Selvin Henry Walter Miguel Francisco Santos Pedro Manuel Víctor Jonathan Héctor
Javier Roberto Ronald Erick Darwin Jairo Fernando Jesús Eduardo Alexander Anderson Melvin Osman
Julio Edgar Noé Rigoberto Ángel Dilan Jefferson Yordi Bayron Hugo Gerson Hermes Álvaro Lenin
Antonio Alejandro Allan Axel Bryan Byron César Cristhian David Daniel Dennis Dixon Douglas Edwin
Elmer Emerson Enrique Ever Fredy Gabriel Gilberto Giovanni Gustavo Hernán Humberto Isaac Ismael
Iván Jaime Joel Jonatan Jose Josué Kelvin Lester Marlon Mauricio Maynor Merlin Milton Moisés
Nahún Néstor Omar Orlin Osmín Pablo Rafael Ramón Reinaldo René Ricardo Rolando Rony Rubén Samuel
Saúl Sergio Tomás Vicente Wilson Wilfredo Yefri Yonatan Abel Adán Adolfo Alberto Alexis Alfredo
Andrés Armando Arnold Baltazar Benjamín Carlos Cristóbal Dagoberto Darío Efraín Eliseo Elías
Emilio Esteban Ezequiel Félix Germán Gerardo Guillermo Heriberto Hilario Ignacio Isaías Israel
Jacobo Jeremías Joaquín Leonel Lorenzo Lucas Marcos Martín Mateo Matías Nicolás Norman Orlando
Raúl Rodrigo Salvador Saturnino Teodoro Ulises Valentín Wálter Yovani Zacarías"""), 1.0)

FEMALE = _Zipf(_words("""
María Karla Sandra Ana Dania Wendy Yolanda Suyapa Maritza Yesenia Glenda Lesly Daniela Alejandra
Nohemí Reina Rosa Marta Blanca Sonia Iris Dilcia Xiomara Heidy Cindy Jennifer Katherine Ashley
Allison Génesis Dayana Lucía Fátima Lourdes Carmen Evelyn Brenda Lilian Paola Nicole Andrea
Valeria Sofía Olga Teresa Juana Marleny Yessica Merlin Yadira Floridalma Ingrid Zoila Vilma
Hilda Yanira Belkis Gabriela Alba Amanda Angélica Aracely Astrid Belinda Bessy Carla Cecilia
Claudia Cristina Delmy Dulce Elena Elsa Elvia Emely Esther Eva Flor Gladys Gloria Graciela Helen
Irma Isabel Jackeline Jessica Johana Josselyn Julia Karen Kenia Ledy Leticia Lidia Lorena Luz
Mabel Magdalena Maribel Marisol Martha Mayra Melissa Milagro Mirna Mónica Nancy Norma Patricia
Raquel Rebeca Rocío Rosario Ruth Sara Silvia Susana Tania Verónica Victoria Wendy Yamileth
Yaneth Yeny Zulema Adriana Alicia Ángela Antonia Beatriz Carolina Catalina Concepción Dolores
Esperanza Estela Fabiola Fernanda Francisca Guadalupe Inés Josefa Laura Leonor Liliana Lucrecia
Margarita Mercedes Miriam Natalia Noemí Paula Petrona Ramona Rosalía Sabina Tomasa Vanessa
Virginia Ximena Yuly Kimberly Hellen Stephany Jazmín Nayeli Abigail Alisson Camila Ariana"""), 1.0)

# Second given names come from the same lists; some compounds are fixed.
PLACES = {
    "HND": _Zipf(["San Pedro Sula", "Tegucigalpa", "Choloma", "La Ceiba", "El Progreso",
                  "Villanueva", "Comayagua", "Danlí", "Juticalpa", "Santa Rosa de Copán",
                  "Olanchito", "Siguatepeque", "Choluteca", "Puerto Cortés", "Tela", "Trujillo"]),
    "SLV": _Zipf(["San Salvador", "Santa Ana", "San Miguel", "Soyapango", "Usulután",
                  "Ahuachapán", "Sonsonate", "La Libertad", "Apopa", "Mejicanos"]),
    "GTM": _Zipf(["Ciudad de Guatemala", "Quetzaltenango", "Escuintla", "Chiquimula",
                  "Huehuetenango", "San Marcos", "Cobán", "Mixco", "Villa Nueva", "Jutiapa"]),
    "NIC": _Zipf(["Managua", "León", "Chinandega", "Masaya", "Estelí"]),
}
NATIONALITIES = [("HND", 72), ("SLV", 16), ("GTM", 10), ("NIC", 2)]
_NAT_CUM = list(accumulate(w for _n, w in NATIONALITIES))
REFERENCE_DAY = date(2018, 11, 1)

COLUMNS = ("id", "given_names", "first_surname", "second_surname", "sex", "date_of_birth",
           "date_of_birth_estimated", "nationality", "place_of_birth", "household_signature",
           "cluster")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(ch)).replace("ñ", "n")


_SOUND_SWAPS = (("b", "v"), ("v", "b"), ("s", "z"), ("z", "s"), ("ce", "se"), ("ci", "si"),
                ("ll", "y"), ("y", "ll"), ("qu", "k"))


def _sound_drift(rng: random.Random, word: str) -> str:
    lower = word.lower()
    options = [(a, b) for a, b in _SOUND_SWAPS if a in lower]
    if lower.startswith("h") and rng.random() < 0.5:
        return word[1:].capitalize()
    if not options:
        return word
    a, b = rng.choice(options)
    i = lower.index(a)
    out = lower[:i] + b + lower[i + len(a):]
    return out.capitalize()


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    letter = rng.choice("aeiourlnstmcd")
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + letter + word[i:]
    if kind == 2:
        return word[:i] + letter + word[i + 1:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _given(rng: random.Random, sex: str) -> str:
    pick = MALE if sex == "M" else FEMALE
    first = pick(rng)
    if rng.random() < 0.45:  # two given names are common
        second = pick(rng)
        if second != first:
            return f"{first} {second}"
    return first


def _person(rng: random.Random, sex: str, born: date, first: str, second: str, nat: str,
            place: str) -> list:
    est = rng.random() < 0.08
    if est:
        born = date(born.year, 1, 1)
    return [_given(rng, sex), first, second, sex, born, est, nat, place]


def _drift(rng: random.Random, row: list) -> list:
    given, first, second, sex, born, est, nat, place = row
    if rng.random() < 0.6:
        given, first, second, place = (_strip_accents(x) for x in (given, first, second, place))
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        kind = rng.randrange(10)
        if kind == 0:
            first = _sound_drift(rng, first)
        elif kind == 1:
            second = _sound_drift(rng, second) if second else second
        elif kind == 2:
            words = given.split()
            words[0] = _sound_drift(rng, words[0])
            given = " ".join(words)
        elif kind == 3 and second:
            first, second = second, first
        elif kind == 4 and second:
            if rng.random() < 0.75:
                second = ""
            else:
                first, second = second, ""
        elif kind == 5 and " " in given:
            given = given.split()[0]
        elif kind == 6 and born is not None:
            if rng.random() < 0.5:
                born, est = date(born.year, 1, 1), True
            elif born.day <= 12 and born.day != born.month:
                born = date(born.year, born.day, born.month)
            else:
                born = born + timedelta(days=rng.choice((-2, -1, 1, 2, 10)))
        elif kind == 7:
            target = rng.randrange(3)
            if target == 0:
                given = _typo(rng, given)
            elif target == 1:
                first = _typo(rng, first)
            elif second:
                second = _typo(rng, second)
        elif kind == 8 and place:
            place = "" if rng.random() < 0.5 else _typo(rng, place)
        elif kind == 9 and rng.random() < 0.3:
            born, est = None, False
    return [given, first, second, sex, born, est, nat, place]


def _rows(originals: int, seed: int, duplicate_rate: float) -> Iterator[list]:
    rng = random.Random(seed)
    made = 0
    next_id = 0
    while made < originals:
        nat = NATIONALITIES[bisect(_NAT_CUM, rng.random() * _NAT_CUM[-1])][0]
        places = PLACES[nat]
        place = places(rng)
        kind = rng.random()
        members: list[list] = []
        if kind < 0.35:  # alone
            sex = "M" if rng.random() < 0.8 else "F"
            age = rng.randrange(16, 60)
            born = REFERENCE_DAY - timedelta(days=age * 365 + rng.randrange(365))
            members.append(_person(rng, sex, born, SURNAMES(rng),
                                   SURNAMES(rng) if rng.random() < 0.93 else "", nat, place))
        else:  # a family: parents (one or two) and children with the parents' surnames
            father = (SURNAMES(rng), SURNAMES(rng))
            mother = (SURNAMES(rng), SURNAMES(rng))
            age = rng.randrange(20, 50)
            if rng.random() < 0.7:
                born = REFERENCE_DAY - timedelta(days=age * 365 + rng.randrange(365))
                members.append(_person(rng, "M", born, *father, nat, place))
            born = REFERENCE_DAY - timedelta(days=(age - rng.randrange(0, 5)) * 365
                                             + rng.randrange(365))
            members.append(_person(rng, "F", born, *mother, nat, place))
            used: set[str] = set()
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                child_age = rng.randrange(0, max(1, age - 17))
                born = REFERENCE_DAY - timedelta(days=child_age * 365 + rng.randrange(365))
                child = _person(rng, rng.choice("MF"), born, father[0], mother[0], nat,
                                place if rng.random() < 0.8 else places(rng))
                for _retry in range(20):  # parents do not give two children the same name
                    if child[0].split()[0] not in used:
                        break
                    child[0] = _given(rng, child[3])
                used.add(child[0].split()[0])
                members.append(child)
        members = members[: originals - made]
        for i, person in enumerate(members):
            relatives = [(m[0], m[4]) for j, m in enumerate(members) if j != i]
            signature = household_signature(relatives) if relatives else ()
            cluster = made
            made += 1
            yield [str(next_id), *person, signature, cluster]
            next_id += 1
            if rng.random() < duplicate_rate:
                for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                    # registered again: with the family (same relatives) or alone
                    sig = signature if rng.random() < 0.6 else ()
                    yield [str(next_id), *_drift(rng, person), sig, cluster]
                    next_id += 1


def generate_arrow(originals: int = 5000, *, seed: int = 0,
                   duplicate_rate: float = 0.3) -> pa.Table:
    """Records in ``RECORD_SCHEMA`` columns plus ``cluster`` (ground truth), shuffled."""
    columns: list[list] = [[] for _ in COLUMNS]
    for row in _rows(originals, seed, duplicate_rate):
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    # Empty strings are missing values; the engine treats None and "" alike.
    for index in (1, 2, 3, 8):
        columns[index] = [v or None for v in columns[index]]
    columns[9] = [list(v) or None for v in columns[9]]
    table = pa.table(dict(zip(COLUMNS, columns, strict=True)))
    order = list(range(table.num_rows))
    random.Random(seed + 1).shuffle(order)
    return table.take(order)


def generate(originals: int = 5000, *, seed: int = 0, duplicate_rate: float = 0.3):
    """(records, truth): ``Record`` objects and id -> ground-truth cluster id."""
    from .model import Record

    table = generate_arrow(originals, seed=seed, duplicate_rate=duplicate_rate)
    records, truth = [], {}
    for row in table.to_pylist():
        records.append(Record(
            id=row["id"], given_names=row["given_names"] or "",
            first_surname=row["first_surname"] or "", second_surname=row["second_surname"] or "",
            sex=row["sex"] or "", date_of_birth=row["date_of_birth"],
            date_of_birth_estimated=row["date_of_birth_estimated"],
            nationality=row["nationality"] or "", place_of_birth=row["place_of_birth"] or "",
            household_signature=tuple(row["household_signature"] or ())))
        truth[row["id"]] = str(row["cluster"])
    return records, truth
