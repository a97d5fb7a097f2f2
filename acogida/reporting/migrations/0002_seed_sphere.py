"""Seed the Sphere planning ratios (kept as editable data afterwards).

The rows are written out here, as they were when this migration was made: a migration must not
read a file that changes later (``sphere.yaml`` is the readable copy of the current ratios;
migration 0003 turns the health workers' ratio into a per-person amount).
"""

from decimal import Decimal

from django.db import migrations

ROWS = [
    {'key': 'covered_space', 'label': 'Covered living space', 'unit': 'm²', 'per_person': 3.5, 'facility': 'covered_area_m2', 'source': 'Sphere Handbook 2018, Shelter and settlement standard 3', 'note': '4.5–5.5 m² in cold or urban settings with indoor cooking and bathing'},
    {'key': 'water', 'label': 'Water', 'unit': 'L/day', 'per_person': 15, 'source': 'Sphere Handbook 2018, Water supply standard 2.1', 'note': 'survival: drinking 2.5–3, cooking 3–6, hygiene 2–6 L'},
    {'key': 'taps', 'label': 'Water taps', 'unit': 'taps', 'people_per_unit': 250, 'facility': 'taps', 'source': 'Sphere Handbook 2018, Water supply standard 2.1', 'note': '500 per hand pump, 400 per open well; nearest point < 500 m'},
    {'key': 'toilets_first_phase', 'label': 'Toilets (first phase)', 'unit': 'toilets', 'people_per_unit': 50, 'facility': 'toilets', 'source': 'Sphere Handbook 2018, Excreta management standard 3.2', 'note': '3 female to 1 male; < 50 m from dwellings'},
    {'key': 'toilets_medium_term', 'label': 'Toilets (medium term)', 'unit': 'toilets', 'people_per_unit': 20, 'facility': 'toilets', 'source': 'Sphere Handbook 2018, Excreta management standard 3.2', 'note': '3 female to 1 male'},
    {'key': 'showers', 'label': 'Bathing facilities', 'unit': 'showers', 'people_per_unit': 50, 'facility': 'showers', 'source': 'Sphere Handbook 2018, Hygiene promotion standard 1.2', 'note': '1 laundry area per 100 people'},
    {'key': 'food', 'label': 'Food energy', 'unit': 'kcal/day', 'per_person': 2100, 'source': 'Sphere Handbook 2018, Food security standard 6.1'},
    {'key': 'health_workers', 'label': 'Health workers (doctors, nurses, midwives)', 'unit': 'workers', 'people_per_unit': 435, 'source': 'Sphere Handbook 2018, Health systems standard 1.2 (23 per 10,000 people)', 'note': 'UNCONFIRMED figure; < 50 consultations per clinician per day', 'confirmed': False},
]


def seed(apps, schema_editor):
    SphereStandard = apps.get_model("reporting", "SphereStandard")
    for position, row in enumerate(ROWS):
        per_person = row.get("per_person")
        SphereStandard.objects.update_or_create(key=row["key"], defaults={
            "label": row["label"], "unit": row["unit"],
            "per_person": Decimal(str(per_person)) if per_person is not None else None,
            "people_per_unit": row.get("people_per_unit"), "facility": row.get("facility", ""),
            "source": row["source"], "note": row.get("note", ""),
            "confirmed": row.get("confirmed", True), "position": position})


def unseed(apps, schema_editor):
    apps.get_model("reporting", "SphereStandard").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
