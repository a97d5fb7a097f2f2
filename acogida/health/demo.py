"""Medical care for the demo caravan: ``seed_health`` gives about 15 % of the people an encounter
or two at the shelters' medical posts (the last month, so the coordinators' counts show them),
young children the vaccinations of the schedule, some complete and some not (so that some doses
are due and some overdue), a few pregnant women their follow-up, and a few referrals, some of
them open and urgent (the doctor's worklist).

Encounters and vaccinations go through ``services.record_many`` (each checked by the same rules
as ``record_encounter`` and ``record_vaccination``, encrypted the same way, one audit entry
each, but saved a thousand rows per insert: 7,000 people take about a second); referrals go
through ``create_referral`` and ``transition_referral``, as a doctor on the web pages would.
Deterministic for a seed and a day.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from acogida.accounts import audit
from acogida.accounts.models import User
from acogida.core.ages import age_on
from acogida.registry.models import Person

from . import schedule, services
from .models import Encounter, FacilityKind, Reason, ReferralStatus, Urgency

# reason → (weight, diagnoses to choose from: text, ICD-10 code or "")
COMPLAINTS: dict[str, tuple[int, list[tuple[str, str]]]] = {
    Reason.RESPIRATORY: (34, [("Infección aguda de las vías respiratorias superiores", "J06.9"),
                              ("Faringitis aguda", "J02.9"), ("Bronquitis aguda", "J20.9"),
                              ("Tos, probable infección viral", "")]),
    Reason.DIARRHOEA: (14, [("Diarrea y gastroenteritis de presunto origen infeccioso", "A09"),
                            ("Deshidratación leve", "E86")]),
    Reason.INJURY: (12, [("Ampollas y lesiones en los pies por la caminata", "T14.0"),
                         ("Esguince de tobillo", "S93.4"), ("Herida superficial en mano", "")]),
    Reason.SKIN: (10, [("Escabiosis", "B86"), ("Dermatitis por exposición solar", "L55.9"),
                       ("Picaduras de insecto infectadas", "")]),
    Reason.CHRONIC: (8, [("Hipertensión esencial, sin tratamiento en el trayecto", "I10"),
                         ("Diabetes mellitus tipo 2", "E11.9"), ("Asma", "J45.9")]),
    Reason.MENTAL_HEALTH: (6, [("Reacción al estrés agudo", "F43.0"), ("Insomnio", "G47.0")]),
    Reason.OTHER: (8, [("Cefalea", "R51"), ("Dolor abdominal", "R10.4"),
                       ("Conjuntivitis", "H10.9")]),
}
NOTES = ["Se indica hidratación oral y reposo. Control en 48 horas si no mejora.",
         "Se entrega tratamiento para cinco días. Revisar en el puesto médico.",
         "Refiere haber caminado muchos días sin calzado adecuado. Curación y vendaje.",
         "Sin signos de alarma. Se explican los signos por los que debe volver.",
         ""]
POSTS = {FacilityKind.SHELTER_MEDICAL_POST: ["Puesto médico El Barretal",
                                             "Puesto médico Benito Juárez",
                                             "Puesto médico Estadio Palillo"],
         FacilityKind.MOBILE_CLINIC: ["Clínica móvil Cruz Roja", "Clínica móvil MSF"],
         FacilityKind.IMSS_CLINIC: ["IMSS UMF 27 Tijuana", "IMSS UMF 33 Tijuana"]}
HOSPITALS = ["Hospital General de Tijuana", "Hospital Materno Infantil de Tijuana",
             "IMSS Hospital General Regional 20", "Centro de Salud Mental de Tijuana"]
# urgency → (reason, who it may be about): "any", "adult" (18+), "pregnant" (a woman of 15 to
# 49), "infant" (under 2); a reason is drawn among those that fit the person referred
REFERRAL_REASONS: dict[str, list[tuple[str, str]]] = {
    Urgency.EMERGENCY: [
        ("Dolor torácico con disnea; requiere valoración hospitalaria inmediata.", "adult"),
        ("Sangrado vaginal en embarazo de 30 semanas.", "pregnant"),
        ("Traumatismo craneoencefálico tras una caída, con vómito.", "any")],
    Urgency.URGENT: [("Fiebre persistente de cinco días sin respuesta al tratamiento.", "any"),
                     ("Hipertensión descontrolada (180/110) con cefalea intensa.", "adult"),
                     ("Lactante con deshidratación moderada.", "infant")],
    Urgency.ROUTINE: [("Control prenatal y ultrasonido.", "pregnant"),
                      ("Valoración por psicología.", "any"),
                      ("Revisión oftalmológica.", "any")],
}


def _fits(who: str, person: Person, today: date) -> bool:
    age = age_on(person.date_of_birth, today)
    return {"any": True, "adult": age >= 18, "infant": age < 2,
            "pregnant": person.sex == "female" and 15 <= age <= 49}[who]


def referral_reason(rng, urgency: str, person: Person, today: date) -> str:
    """A reason for this urgency that fits the person's sex and age."""
    return rng.choice([text for text, who in REFERRAL_REASONS[urgency]
                       if _fits(who, person, today)])


DAYS = 30  # encounters fall in the last month


def _medic() -> User:
    return User(username="demo-medical", role="medical", is_active=True)


def _vaccinate(rng, person: Person, today: date) -> list[dict]:
    """Doses of the schedule already due, in order, up to where this child's card stops: about
    half complete, the others stopped at some dose (the next one due or overdue)."""
    due = sorted((d for d in schedule.SCHEDULE
                  if schedule.add_months(person.date_of_birth, d.months) <= today),
                 key=lambda d: (d.months, d.vaccine, d.dose))
    stop = len(due) if rng.random() < 0.45 else rng.randrange(0, len(due) or 1)
    doses = []
    for dose in due[:stop]:
        day = schedule.add_months(person.date_of_birth, dose.months) + timedelta(
            days=rng.randrange(0, 20))
        doses.append({"registration_number": person.registration_number,
                      "vaccine": dose.vaccine, "dose": dose.dose, "date": min(day, today),
                      "lot": f"L{rng.randrange(10000, 99999)}"})
    return doses


def _encounter(rng, person: Person, today: date, *, reason: str | None = None,
               triage: str | None = None) -> dict:
    if reason is None:
        reasons = list(COMPLAINTS)
        reason = rng.choices(reasons, weights=[COMPLAINTS[r][0] for r in reasons])[0]
    if reason == Reason.PREGNANCY_FOLLOW_UP:
        diagnoses = [{"text": f"Embarazo de {rng.randrange(12, 36)} semanas, evolución normal",
                      "icd10": "Z34.9"}]
    else:
        text, code = rng.choice(COMPLAINTS[reason][1])
        diagnoses = [{"text": text, "icd10": code} if code else {"text": text}]
    kind = rng.choices(list(POSTS), weights=[70, 20, 10])[0]
    day = max(today - timedelta(days=rng.randrange(0, DAYS)), person.date_of_birth)
    return {"registration_number": person.registration_number, "date": day,
            "facility_kind": kind, "facility_name": rng.choice(POSTS[kind]), "reason": reason,
            "triage": triage or rng.choices(list(Urgency), weights=[2, 13, 85])[0],
            "diagnoses": diagnoses, "notes": rng.choice(NOTES),
            "pregnancy_follow_up": reason == Reason.PREGNANCY_FOLLOW_UP}


def _refer(actor, medic, rng, person: Person, today: date, *, urgency: str,
           status: str) -> None:
    referral = services.create_referral(
        actor=actor, user=medic, registration_number=person.registration_number,
        to_facility=rng.choice(HOSPITALS), urgency=urgency,
        reason=referral_reason(rng, urgency, person, today))
    path = {ReferralStatus.SENT: [], ReferralStatus.ACCEPTED: [ReferralStatus.ACCEPTED],
            ReferralStatus.CLOSED: [ReferralStatus.ACCEPTED, ReferralStatus.ATTENDED,
                                    ReferralStatus.CLOSED],
            ReferralStatus.DECLINED: [ReferralStatus.DECLINED]}[status]
    for step in path:
        services.transition_referral(actor=actor, user=medic, referral_id=referral.pk,
                                     status=step)


@transaction.atomic
def seed_health(actor: audit.Actor, *, seed: int = 2018, today: date | None = None,
                encounter_share: float = 0.15, vaccination_share: float = 0.8) -> dict:
    """Encounters, vaccinations and referrals for the people already registered (nothing if
    any encounter exists). Returns figures to print."""
    counts = {"encounters": 0, "people_seen": 0, "vaccinations": 0, "children_vaccinated": 0,
              "pregnancy_follow_ups": 0, "referrals": 0, "open_urgent_referrals": 0}
    if Encounter.objects.exists():
        return {**counts, "already": Encounter.objects.count()}
    rng, today, medic = random.Random(seed), today or timezone.localdate(), _medic()
    people = list(Person.objects.only("id", "registration_number", "sex", "date_of_birth")
                  .order_by("id"))
    pregnant = set(Person.objects.filter(needs__code="PG").values_list("id", flat=True))
    seen, doses = [], []
    for person in people:
        age = age_on(person.date_of_birth, today)
        if age < 6 and rng.random() < vaccination_share:
            given = _vaccinate(rng, person, today)
            doses += given
            counts["children_vaccinated"] += 1 if given else 0
        if person.id in pregnant and person.sex == "female":
            for _visit in range(rng.choice((1, 2))):
                seen.append(_encounter(rng, person, today, reason=Reason.PREGNANCY_FOLLOW_UP,
                                       triage=Urgency.ROUTINE))
            counts["pregnancy_follow_ups"] += 1
            counts["people_seen"] += 1
        elif rng.random() < encounter_share:
            for _visit in range(rng.choices((1, 2, 3), weights=(75, 20, 5))[0]):
                seen.append(_encounter(rng, person, today))
            counts["people_seen"] += 1
    made = services.record_many(actor=actor, user=medic, encounters=seen, vaccinations=doses)
    counts.update(made)
    # referrals: from the more serious encounters, a few still open and urgent
    by_number = {p.registration_number: p for p in people}
    serious = [e for e in seen if e["triage"] != Urgency.ROUTINE] or seen
    chosen = rng.sample(serious, min(len(serious), max(1, len(people) // 250))) if seen else []
    for i, encounter in enumerate(chosen):
        urgency = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.URGENT, Urgency.ROUTINE)[i % 4]
        status = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.CLOSED,
                  ReferralStatus.DECLINED, ReferralStatus.SENT)[i % 5]
        _refer(actor, medic, rng, by_number[encounter["registration_number"]], today,
               urgency=urgency, status=status)
        counts["referrals"] += 1
        if urgency != Urgency.ROUTINE and status in (ReferralStatus.SENT,
                                                     ReferralStatus.ACCEPTED):
            counts["open_urgent_referrals"] += 1
    return counts
