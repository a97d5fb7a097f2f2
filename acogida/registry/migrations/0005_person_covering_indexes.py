# Covering indexes for the situation picture (reporting/selectors.py, issue 7): the figures
# read the person table only through these, never the table. The first two are led by the
# registration point, so a large SQLite import keeps them up rather than dropping and rebuilding
# them (registry/imports.py); person_point_registered_cov replaces person_point_registered, and
# person_birth_cov replaces person_birth_sex (same lead, more columns covered).
#
# The foreign key's own index on registration_point is dropped with plain SQL: both new indexes
# lead with that column. Django's AlterField would rebuild registry_person on SQLite, which
# drops the full-text search triggers of 0002.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_person_stats_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                'DROP INDEX "registry_person_registration_point_id_86a8d9da"',
                'CREATE INDEX "registry_person_registration_point_id_86a8d9da" ON '
                '"registry_person" ("registration_point_id")')],
            state_operations=[migrations.AlterField(
                model_name='person',
                name='registration_point',
                field=models.ForeignKey(db_index=False,
                                        on_delete=django.db.models.deletion.PROTECT,
                                        related_name='people', to='registry.registrationpoint'),
            )],
        ),
        migrations.RemoveIndex(
            model_name='person',
            name='person_birth_sex',
        ),
        migrations.RemoveIndex(
            model_name='person',
            name='person_point_registered',
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['date_of_birth', 'sex', 'id', 'registration_point', 'arrival_group'], name='person_birth_cov'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['registration_point', 'registered_at', 'arrival_group', 'sex', 'nationality', 'date_of_birth', 'id'], name='person_point_registered_cov'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['registration_point', 'sex', 'nationality', 'registered_at', 'date_of_birth', 'arrival_group'], name='person_point_sex_nat'),
        ),
    ]
