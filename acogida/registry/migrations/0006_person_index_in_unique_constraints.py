"""The person's own index on consents and needs goes: each table's unique constraint (person,
purpose / person, code) leads with the person and serves the same lookups, and a second index cost
every insert (two million consents in a million-person import). Only the index is dropped, on
either database: Django's AlterField would copy both tables on SQLite to do it."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {"registry_consent": "registry_consent_person_id_6a42bb8f",
           "registry_specificneed": "registry_specificneed_person_id_5d84f21b"}


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_person_covering_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="consent", name="person",
                    field=models.ForeignKey(db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE,
                                            related_name="consents", to="registry.person")),
                migrations.AlterField(
                    model_name="specificneed", name="person",
                    field=models.ForeignKey(db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE,
                                            related_name="needs", to="registry.person")),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{index}"',
                                  f'CREATE INDEX "{index}" ON "{table}" ("person_id")')
                for table, index in INDEXES.items()
            ],
        ),
    ]
