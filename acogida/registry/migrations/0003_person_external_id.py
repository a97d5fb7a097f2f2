# The column is added with ALTER TABLE on both databases: Django's AddField would rebuild
# registry_person on SQLite, which drops the full-text search triggers of 0002.

from django.db import migrations, models

SQL = [
    "ALTER TABLE registry_person ADD COLUMN external_id varchar(100) DEFAULT '' NOT NULL",
    "CREATE INDEX registry_person_external_id_idx ON registry_person (external_id)",
]
REVERSE = [
    "DROP INDEX registry_person_external_id_idx",
    "ALTER TABLE registry_person DROP COLUMN external_id",
]


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0002_search_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SQL, REVERSE)],
            state_operations=[migrations.AddField(
                model_name='person',
                name='external_id',
                field=models.CharField(blank=True, db_default='', db_index=True, default='',
                                       max_length=100, verbose_name='external id'),
            )],
        ),
    ]
