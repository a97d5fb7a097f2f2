"""Flow counts say what they count (``kind``: new arrivals, people present, a cumulative total);
ratios per person get a fourth decimal, and the health workers' ratio becomes 0.0023 per person
(23 per 10,000 people) where it still is the seeded 1 per 435."""

from decimal import Decimal

from django.db import migrations, models

HEALTH = {"per_person": Decimal("0.0023"), "people_per_unit": None,
          "source": "Sphere Handbook 2018, Health systems standard 1.2 (23 per 10,000 people)"}


def per_person_health_workers(apps, schema_editor):
    SphereStandard = apps.get_model("reporting", "SphereStandard")
    SphereStandard.objects.filter(key="health_workers", people_per_unit=435).update(**HEALTH)


def back(apps, schema_editor):
    SphereStandard = apps.get_model("reporting", "SphereStandard")
    SphereStandard.objects.filter(key="health_workers", per_person=HEALTH["per_person"]).update(
        per_person=None, people_per_unit=435)


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0002_seed_sphere"),
    ]

    operations = [
        migrations.AddField(
            model_name="flowcount",
            name="kind",
            field=models.CharField(choices=[("arrived", "new arrivals that day"),
                                            ("present", "people counted at the place"),
                                            ("cumulative", "cumulative total so far")],
                                   default="arrived", max_length=12, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="spherestandard",
            name="per_person",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=12, null=True),
        ),
        migrations.RunPython(per_person_health_workers, back),
    ]
