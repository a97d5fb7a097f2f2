"""PostgreSQL: an index of the name's whole words (``to_tsvector('simple', search_text)``).

The trigram index (migration 0002) serves a word as a prefix, but it reads every trigram's whole
list of rows before the first comes back: two common names ("luis hernandez") took 60-80 ms at
a million people. A name search of two or more words asks them as whole words first
(``selectors._name_keys``), which this index answers by reading one list a word (9 ms for
"pedro hernandez"). Over 300 benchmark searches at a million people, interleaved, the matching's
p95 went from 40-42 ms to 30 ms. The index costs about 4 s of a million-person first import's
rebuild, and 7 MB. SQLite's full-text index already knows whole words: nothing changes there.

Building the index on an existing registry holds off writes to people while it runs (about 4 s
at a million people): upgrade between registration sessions.
"""

from django.db import migrations

CREATE = ("CREATE INDEX person_name_words ON registry_person "
          "USING gin (to_tsvector('simple'::regconfig, search_text))")
DROP = "DROP INDEX IF EXISTS person_name_words"


def _run(statement: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_search_index_longer_prefixes")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
