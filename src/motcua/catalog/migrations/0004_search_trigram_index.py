"""A trigram index for the catalog search on PostgreSQL (docs/benchmarks.md: "khai sinh" 7 → 3 ms).

``catalog.selectors.procedure_search`` filters ``search_text LIKE '%term%'`` once per term; a GIN index with
``gin_trgm_ops`` answers those lookups without reading every version. It needs the ``pg_trgm`` extension (a
trusted extension since PostgreSQL 13: the database owner may create it; otherwise create it once as a
superuser, ``CREATE EXTENSION pg_trgm``, before migrating). The index is not declared on the model because
SQLite has no such index; on SQLite (and any other database) this migration does nothing.
"""

from django.db import migrations

INDEX = "version_search_text_trgm"


class PostgreSQLOnlyRunSQL(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and is a no-op elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_version_in_force_index"),
    ]

    operations = [
        PostgreSQLOnlyRunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_procedureversion "
                "USING gin (search_text gin_trgm_ops)",
            ],
            # The extension stays: other objects may use it.
            reverse_sql=[f"DROP INDEX IF EXISTS {INDEX}"],
        ),
    ]
