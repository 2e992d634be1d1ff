"""The trigram index of the catalog search: created on PostgreSQL by catalog migration 0004, used by
``procedure_search``; nothing on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from factories import FieldFactory, ProcedureVersionFactory

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.selectors import procedure_search
from motcua.core.text import fold

pytestmark = pytest.mark.django_db

INDEX = "version_search_text_trgm"
postgres_only = pytest.mark.postgres
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="checks the SQLite schema")


def index_definition() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX])
        row = cursor.fetchone()
    return row[0] if row else None


@postgres_only
def test_the_migration_creates_the_extension_and_the_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)
    assert "USING gin (search_text gin_trgm_ops)" in index_definition()


def catalog_of(size: int) -> None:
    """``size`` published versions in force (one procedure each), written in bulk with their search text."""
    field = FieldFactory()
    since = timezone.now() - timedelta(days=30)
    procedures = Procedure.objects.bulk_create(
        Procedure(national_code=f"2.{n:06d}", local_code=f"2.{n:06d}.000.00.00.H56") for n in range(size)
    )
    versions = []
    for n, procedure in enumerate(procedures):
        name = f"Cấp giấy phép hoạt động số {n} lĩnh vực {n % 37}"
        versions.append(
            ProcedureVersion(
                procedure=procedure,
                name=name,
                field=field,
                status=ProcedureVersion.Status.PUBLISHED,
                effective_from=since,
                search_name=fold(name),
                search_text=fold(f"{name} {procedure.national_code} {field.name}"),
            )
        )
    ProcedureVersion.objects.bulk_create(versions)


@postgres_only
def test_procedure_search_uses_the_trigram_index():
    catalog_of(5000)
    wanted = ProcedureVersionFactory(name="Đăng ký khai sinh")
    with connection.cursor() as cursor:
        # What autovacuum does in production: merge the GIN index's pending list, gather statistics.
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [INDEX])
        cursor.execute("ANALYZE catalog_procedureversion")
    query = procedure_search(query="KHAI SINH")
    assert list(query) == [wanted]
    plan = query.explain()
    assert f"Bitmap Index Scan on {INDEX}" in plan, plan


@postgres_only
def test_the_migration_can_be_reversed_and_applied_again():
    executor = MigrationExecutor(connection)
    executor.migrate([("catalog", "0003_version_in_force_index")])
    assert index_definition() is None
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert index_definition() is not None


@sqlite_only
def test_on_sqlite_the_migration_changes_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = %s", [INDEX])
        assert cursor.fetchone() is None
    version = ProcedureVersionFactory(name="Đăng ký khai sinh")
    assert list(procedure_search(query="khai sinh")) == [version]
