"""Name search index, by database: SQLite FTS5 (prefix queries on an inverted index, kept in
step by triggers) or PostgreSQL pg_trgm (a GIN index that serves LIKE '% word%')."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE registry_person_fts USING fts5(
         search_text, content='registry_person', content_rowid='id',
         tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER registry_person_fts_ai AFTER INSERT ON registry_person BEGIN
         INSERT INTO registry_person_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER registry_person_fts_ad AFTER DELETE ON registry_person BEGIN
         INSERT INTO registry_person_fts(registry_person_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER registry_person_fts_au AFTER UPDATE OF search_text ON registry_person BEGIN
         INSERT INTO registry_person_fts(registry_person_fts, rowid, search_text)
         VALUES ('delete', old.id, old.search_text);
         INSERT INTO registry_person_fts(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_person_fts_au",
    "DROP TRIGGER IF EXISTS registry_person_fts_ad",
    "DROP TRIGGER IF EXISTS registry_person_fts_ai",
    "DROP TABLE IF EXISTS registry_person_fts",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX registry_person_search_trgm ON registry_person "
    "USING gin (search_text gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS registry_person_search_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE})),
    ]
