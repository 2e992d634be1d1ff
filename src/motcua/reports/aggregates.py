"""Report aggregates, kept exact (docs/adr/0004-report-aggregates.md).

Every dossier contributes to the counters through its ``Fact`` and a fixed set of rules (:data:`FLOW_RULES`
for the day and month flows, plus its pending months for the backlog and open counters). The contribution is
a pure function of the fact, so:

* **incrementally** (:func:`refresh_dossier`, called in the transaction of every dossier change): subtract
  the stored fact's contribution, add the new one, store the new fact; one upsert per counter table;
* **from scratch** (:func:`rebuild`): every fact in one ``INSERT … SELECT`` from the dossiers, then every
  counter in one ``INSERT … SELECT … GROUP BY`` from the facts, with the rules compiled to SQL;
* **checked** (:func:`verify`): the counters a rebuild would write (from the raw dossiers) compared with the
  stored ones, table by table, in SQL.

Works on PostgreSQL and SQLite (the two engines of the project).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Max, Min

from motcua.dossiers.models import Dossier

from .facts import FACT_FIELDS, SQL_COLUMNS, Fact, fact_for, fact_from_row, fact_rows
from .models import (
    FLOW_COLUMNS,
    RESOLVED_OUTCOMES,
    BacklogCounter,
    DailyCounter,
    DossierFact,
    MonthlyCounter,
    OpenCounter,
    Outcome,
)
from .periods import month_start, next_month

logger = logging.getLogger(__name__)

KEY_COLUMNS = ("agency_id", "procedure_id", "field_id", "channel")


# --- The rules -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """What one rule adds to one column: 1, a boolean field as 0/1, an integer field, or 1 if a field is set."""

    kind: str  # one, flag, value, known
    field: str = ""

    def of(self, fact: Fact) -> int:
        if self.kind == "one":
            return 1
        value = getattr(fact, self.field)
        if self.kind == "flag":
            return 1 if value else 0
        if self.kind == "value":
            return int(value or 0)
        return 0 if value is None else 1

    def sql(self) -> str:
        if self.kind == "one":
            return "1"
        if self.kind == "flag":
            return f"CASE WHEN {self.field} THEN 1 ELSE 0 END"
        if self.kind == "value":
            return f"COALESCE({self.field}, 0)"
        return f"CASE WHEN {self.field} IS NOT NULL THEN 1 ELSE 0 END"


ONE = Term("one")


def flag(name: str) -> Term:
    return Term("flag", name)


def value(name: str) -> Term:
    return Term("value", name)


def known(name: str) -> Term:
    return Term("known", name)


@dataclass(frozen=True)
class Rule:
    """On the day in fact field ``day`` (when set), add ``adds``, if the outcome is one of ``outcomes``
    (any when empty) and fact field ``requires`` is set (when named)."""

    day: str
    adds: tuple[tuple[str, Term], ...]
    outcomes: tuple[str, ...] = ()
    requires: str = ""

    def applies(self, fact: Fact) -> bool:
        if getattr(fact, self.day) is None:
            return False
        if self.outcomes and fact.outcome not in self.outcomes:
            return False
        return not self.requires or getattr(fact, self.requires) is not None

    def where(self) -> str:
        conditions = [f"{self.day} IS NOT NULL"]
        if self.outcomes:
            listed = ", ".join(f"'{outcome}'" for outcome in self.outcomes)
            conditions.append(f"outcome IN ({listed})")
        if self.requires:
            conditions.append(f"{self.requires} IS NOT NULL")
        return " AND ".join(conditions)


FLOW_RULES: tuple[Rule, ...] = (
    Rule(
        "received_on",
        (
            ("received", ONE),
            ("with_obligation", flag("obligation")),
            ("paid_online", flag("paid_online")),
            ("postal_return", flag("postal_return")),
        ),
    ),
    Rule("closed_on", (("resolved_early", ONE),), outcomes=(Outcome.EARLY,)),
    Rule("closed_on", (("resolved_on_time", ONE),), outcomes=(Outcome.ON_TIME,)),
    Rule("closed_on", (("resolved_late", ONE),), outcomes=(Outcome.LATE,)),
    Rule(
        "closed_on",
        (
            ("refused", flag("refused")),
            ("step_score_sum", value("step_score")),
            ("step_scored", known("step_score")),
            ("contact_score_sum", value("contact_score")),
            ("contact_scored", known("contact_score")),
            ("e_results", flag("e_result")),
            ("e_result_known", known("e_result")),
        ),
        outcomes=RESOLVED_OUTCOMES,
    ),
    Rule("closed_on", (("withdrawn", ONE),), outcomes=(Outcome.WITHDRAWN,)),
    Rule("closed_on", (("stopped", ONE),), outcomes=(Outcome.STOPPED,)),
    Rule("overdue_on", (("became_overdue", ONE),)),
    Rule("closed_on", (("closed_overdue", ONE),), requires="overdue_on"),
    Rule("not_received_on", (("not_received", ONE),)),
    Rule("rated_on", (("rated", known("satisfied")), ("satisfied", flag("satisfied")))),
)
assert {column for rule in FLOW_RULES for column, _ in rule.adds} == set(FLOW_COLUMNS)


@dataclass(frozen=True)
class Table:
    model: type
    date_column: str
    columns: tuple[str, ...]

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


TABLES = {
    "daily": Table(DailyCounter, "day", FLOW_COLUMNS),
    "monthly": Table(MonthlyCounter, "month", FLOW_COLUMNS),
    "backlog": Table(BacklogCounter, "month", ("pending", "overdue")),
    "open": Table(OpenCounter, "month", ("received", "overdue")),
}


def boundaries(first: date, last: date) -> Iterable[date]:
    """Month starts b with first < b ≤ last."""
    boundary = next_month(first)
    while boundary <= last:
        yield boundary
        boundary = next_month(boundary)


Contributions = dict[tuple[str, tuple], Counter]


def contributions(fact: Fact | None) -> Contributions:
    """What ``fact`` adds to each counter row: {(table, (date, *key)): Counter(column → amount)}."""
    out: Contributions = defaultdict(Counter)
    if fact is None:
        return out
    key = (fact.agency_id, fact.procedure_id, fact.field_id, fact.channel)
    for rule in FLOW_RULES:
        if not rule.applies(fact):
            continue
        day = getattr(fact, rule.day)
        for column, term in rule.adds:
            amount = term.of(fact)
            if amount:
                out[("daily", (day, *key))][column] += amount
                out[("monthly", (month_start(day), *key))][column] += amount
    received, closed, overdue = fact.received_on, fact.closed_on, fact.overdue_on
    if received is not None:
        if closed is None:
            out[("open", (month_start(received), *key))]["received"] += 1
            if overdue is not None:
                out[("open", (month_start(overdue), *key))]["overdue"] += 1
        else:
            for boundary in boundaries(received, closed):
                out[("backlog", (boundary, *key))]["pending"] += 1
            if overdue is not None:
                for boundary in boundaries(overdue, closed):
                    out[("backlog", (boundary, *key))]["overdue"] += 1
    return out


def difference(new: Fact | None, old: Fact | None) -> Contributions:
    delta = contributions(new)
    for row, amounts in contributions(old).items():
        delta[row].subtract(amounts)
    return {row: amounts for row, amounts in delta.items() if any(amounts.values())}


# --- Incremental upkeep ---------------------------------------------------------------------------------------

# Rows per upsert statement: SQLite caps a statement at 32,766 parameters.
UPSERT_CHUNK = {"postgresql": 50000, "sqlite": 1000}


def apply(delta: Contributions) -> None:
    """Add ``delta`` to the counter rows, creating missing rows; rows are written in one fixed order (table,
    then key) so that concurrent transactions never wait on each other in a cycle."""
    by_table: dict[str, list] = defaultdict(list)
    for (table, key), amounts in delta.items():
        by_table[table].append((key, amounts))
    with connection.cursor() as cursor:
        for name in TABLES:
            rows = sorted(by_table.get(name, ()), key=lambda item: item[0])
            chunk = UPSERT_CHUNK.get(connection.vendor, 1000)
            for start in range(0, len(rows), chunk):
                _upsert(cursor, TABLES[name], rows[start : start + chunk])


def _upsert(cursor, table: Table, rows: list) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    keys = (table.date_column, *KEY_COLUMNS)
    columns = ", ".join(quote(name) for name in (*keys, *table.columns))
    updates = ", ".join(
        f"{quote(name)} = {quote(table.db_table)}.{quote(name)} + excluded.{quote(name)}"
        for name in table.columns
    )
    conflict = f"ON CONFLICT ({', '.join(quote(name) for name in keys)}) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _upsert_by_copy(cursor, table, rows, columns, conflict)
        return
    placeholder = "(" + ", ".join(["%s"] * (len(keys) + len(table.columns))) + ")"
    params: list = []
    for (day, *key), amounts in rows:
        params.append(connection.ops.adapt_datefield_value(day))
        params.extend(key)
        params.extend(amounts.get(name, 0) for name in table.columns)
    cursor.execute(
        f"INSERT INTO {quote(table.db_table)} ({columns}) VALUES {', '.join([placeholder] * len(rows))} {conflict}",
        params,
    )


COPY_FROM_ROWS = 200  # from this many rows, PostgreSQL upserts go through COPY into a staging table


def _upsert_by_copy(cursor, table: Table, rows: list, columns: str, conflict: str) -> None:
    """Bulk upsert (imports): COPY the rows into a temporary staging table, then one INSERT … SELECT."""
    quote = connection.ops.quote_name
    staging = quote(f"staging_{table.db_table}")
    definition = ", ".join(
        [f"{quote(table.date_column)} date", *(f"{quote(name)} integer" for name in KEY_COLUMNS[:3])]
        + [f"{quote('channel')} text", *(f"{quote(name)} integer" for name in table.columns)]
    )
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ({definition}) ON COMMIT DELETE ROWS")
    with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
        for (day, *key), amounts in rows:
            copy.write_row([day, *key, *(amounts.get(name, 0) for name in table.columns)])
    cursor.execute(
        f"INSERT INTO {quote(table.db_table)} ({columns}) SELECT {columns} FROM {staging} {conflict}"
    )
    cursor.execute(f"DELETE FROM {staging}")


def refresh_dossier(dossier: Dossier) -> None:
    """Bring the aggregates up to date with ``dossier`` as it is now (inside the caller's transaction).

    The caller holds the dossier's row lock (the transition helper does), so two changes of one dossier
    never interleave here.
    """
    new = fact_for(dossier)
    stored = DossierFact.objects.filter(pk=dossier.pk).first()
    old = fact_from_row(stored) if stored is not None else None
    if new == old:
        return
    apply(difference(new, old))
    DossierFact.objects.update_or_create(
        dossier_id=dossier.pk, defaults=dict(zip(FACT_FIELDS, _values(new), strict=True))
    )


def _values(fact: Fact) -> tuple:
    return tuple(getattr(fact, name) for name in FACT_FIELDS)


def add_facts(facts: dict[int, Fact]) -> None:
    """Store the facts of new dossiers (no stored fact yet) and add them to the counters: the importer's path."""
    delta: Contributions = defaultdict(Counter)
    for fact in facts.values():
        for row, amounts in contributions(fact).items():
            delta[row].update(amounts)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {quote(DossierFact._meta.db_table)} ({_fact_columns()}) FROM STDIN"
            ) as copy,
        ):
            for pk, fact in facts.items():
                copy.write_row([pk, *_values(fact)])
    else:
        DossierFact.objects.bulk_create(
            [
                DossierFact(dossier_id=pk, **dict(zip(FACT_FIELDS, _values(fact), strict=True)))
                for pk, fact in facts.items()
            ],
            batch_size=2000,
        )
    apply(delta)


# --- SQL: the same rules over every fact ----------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError("report aggregates support PostgreSQL and SQLite")
    return connection.vendor


def _month(expr: str) -> str:
    if _vendor() == "postgresql":
        return f"CAST(date_trunc('month', {expr}) AS date)"
    return f"date({expr}, 'start of month')"


def _month_index(expr: str) -> str:
    if _vendor() == "postgresql":
        return (
            f"(CAST(EXTRACT(YEAR FROM {expr}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {expr}) AS integer))"
        )
    return f"(CAST(strftime('%Y', {expr}) AS integer) * 12 + CAST(strftime('%m', {expr}) AS integer))"


def _boundary_rows(first: str, last: str, columns: str, source: str, where: str, max_span: int) -> str:
    """One row per month start b with first < b ≤ last, for every source row matching ``where``."""
    span = f"({_month_index(last)} - {_month_index(first)})"
    if _vendor() == "postgresql":
        boundary = f"CAST(date_trunc('month', {first}) + ks.k * interval '1 month' AS date)"
        join = f"CROSS JOIN LATERAL generate_series(1, {span}) AS ks(k)"
    else:
        boundary = f"date({first}, 'start of month', '+' || ks.k || ' months')"
        numbers = " UNION ALL ".join(f"SELECT {n} AS k" for n in range(1, max(max_span, 1) + 1))
        join = f"JOIN ({numbers}) AS ks ON ks.k <= {span}"
    keys = ", ".join(KEY_COLUMNS)
    return f"SELECT {boundary} AS month, {keys}, {columns} FROM {source} {join} WHERE {where}"


def counter_selects(source: str, *, max_span: int) -> dict[str, str]:
    """For each counter table, a SELECT of its expected rows (date, keys, columns) from the facts in
    ``source`` (a table or a CTE with the DossierFact columns)."""
    keys = ", ".join(KEY_COLUMNS)
    sums = ", ".join(f"SUM({name}) AS {name}" for name in FLOW_COLUMNS)
    # One scan of the facts per date column: the rules on the same date become CASE expressions.
    branches = []
    for day in dict.fromkeys(rule.day for rule in FLOW_RULES):
        terms: dict[str, list[str]] = {name: [] for name in FLOW_COLUMNS}
        for rule in (rule for rule in FLOW_RULES if rule.day == day):
            condition = rule.where()
            for column, term in rule.adds:
                terms[column].append(f"CASE WHEN {condition} THEN {term.sql()} ELSE 0 END")
        values = ", ".join(f"{' + '.join(terms[name]) or '0'} AS {name}" for name in FLOW_COLUMNS)
        branches.append(f"SELECT {day} AS day, {keys}, {values} FROM {source} WHERE {day} IS NOT NULL")
    flows = " UNION ALL ".join(branches)
    daily = f"SELECT day, {keys}, {sums} FROM ({flows}) AS t GROUP BY day, {keys}"
    monthly = f"SELECT {_month('day')} AS month, {keys}, {sums} FROM ({flows}) AS t GROUP BY {_month('day')}, {keys}"
    open_rows = (
        f"SELECT month, {keys}, SUM(received) AS received, SUM(overdue) AS overdue FROM ("
        f"SELECT {_month('received_on')} AS month, {keys}, 1 AS received, 0 AS overdue FROM {source} "
        f"WHERE received_on IS NOT NULL AND closed_on IS NULL "
        f"UNION ALL SELECT {_month('overdue_on')} AS month, {keys}, 0 AS received, 1 AS overdue FROM {source} "
        f"WHERE closed_on IS NULL AND overdue_on IS NOT NULL) AS t GROUP BY month, {keys}"
    )
    pending = _boundary_rows(
        "received_on",
        "closed_on",
        "1 AS pending, 0 AS overdue",
        source,
        "received_on IS NOT NULL AND closed_on IS NOT NULL",
        max_span,
    )
    overdue = _boundary_rows(
        "overdue_on",
        "closed_on",
        "0 AS pending, 1 AS overdue",
        source,
        "overdue_on IS NOT NULL AND closed_on IS NOT NULL",
        max_span,
    )
    backlog = (
        f"SELECT month, {keys}, SUM(pending) AS pending, SUM(overdue) AS overdue FROM ({pending} UNION ALL "
        f"{overdue}) AS t GROUP BY month, {keys}"
    )
    return {"daily": daily, "monthly": monthly, "backlog": backlog, "open": open_rows}


def _max_span() -> int:
    """Months between the first reception and the last closing of any dossier (bounds the backlog join)."""
    bounds = Dossier.objects.aggregate(
        first=Min("received_at"),
        finished=Max("finished_at"),
        withdrawn=Max("withdrawn_at"),
        stopped=Max("stopped_at"),
    )
    ends = [bounds[name] for name in ("finished", "withdrawn", "stopped") if bounds[name] is not None]
    if bounds["first"] is None or not ends:
        return 1
    first, last = bounds["first"], max(ends)
    return max(1, (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1)


def _facts_sql() -> tuple[str, list]:
    sql, params = fact_rows().query.sql_with_params()
    return sql, list(params)


def _fact_columns() -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(name) for name in ("dossier_id", *FACT_FIELDS))


def rebuild(*, report: Callable[[str], None] | None = None) -> dict[str, int]:
    """Recompute every fact and counter from the dossiers, in one transaction; returns the row counts."""
    report = report or (lambda message: None)
    quote = connection.ops.quote_name
    tables = [DossierFact._meta.db_table, *(table.db_table for table in TABLES.values())]
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.monotonic()
        if _vendor() == "postgresql":
            # Room to group millions of rows in memory rather than on disk; no JIT compilation of the long
            # fact expressions (it costs more than it saves here).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            # Writers of these tables (dossier changes) wait until the rebuilt figures are committed.
            cursor.execute(f"LOCK TABLE {', '.join(quote(t) for t in tables)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check left pending on these tables
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in tables)}")
        else:
            for name in tables:
                cursor.execute(f"DELETE FROM {quote(name)}")
        sql, params = _facts_sql()
        cursor.execute(f"INSERT INTO {quote(DossierFact._meta.db_table)} ({_fact_columns()}) {sql}", params)
        counts["facts"] = cursor.rowcount
        report(f"facts: {counts['facts']} ({time.monotonic() - started:.1f}s)")
        selects = counter_selects(quote(DossierFact._meta.db_table), max_span=_max_span())
        # The months are the sums of the days just written (cheaper than scanning the facts again).
        keys = ", ".join(KEY_COLUMNS)
        selects["monthly"] = (
            f"SELECT {_month('day')}, {keys}, {', '.join(f'SUM({c})' for c in FLOW_COLUMNS)} "
            f"FROM {quote(DailyCounter._meta.db_table)} GROUP BY {_month('day')}, {keys}"
        )
        for name, table in TABLES.items():
            columns = ", ".join(quote(c) for c in (table.date_column, *KEY_COLUMNS, *table.columns))
            cursor.execute(f"INSERT INTO {quote(table.db_table)} ({columns}) {selects[name]}")
            counts[name] = cursor.rowcount
            report(f"{name}: {counts[name]} ({time.monotonic() - started:.1f}s)")
        if _vendor() == "postgresql":
            for name in tables:
                cursor.execute(f"ANALYZE {quote(name)}")
    return counts


@dataclass(frozen=True)
class Mismatch:
    table: str
    side: str  # "expected" (a rebuild would write this row) or "stored" (the table has this row)
    row: tuple

    def describe(self) -> str:
        return f"{self.table} [{self.side}] {self.row}"


def verify(*, limit: int = 20) -> list[Mismatch]:
    """Rows that differ between the stored facts and counters and a recount from the raw dossiers.

    Empty means exact. Counter rows whose columns are all zero (left behind by changes) are ignored. The
    recounted facts go to a temporary table first, so the dossiers are read once.
    """
    quote = connection.ops.quote_name
    facts_sql, params = _facts_sql()
    renamed = ", ".join(
        f"{alias} AS {quote(name)}"
        for alias, name in zip(SQL_COLUMNS, ("dossier_id", *FACT_FIELDS), strict=True)
    )
    mismatches: list[Mismatch] = []
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS raw_facts")
        cursor.execute(
            f"CREATE TEMPORARY TABLE raw_facts AS SELECT {renamed} FROM ({facts_sql}) AS t", params
        )
        try:
            stored_facts = f"SELECT {_fact_columns()} FROM {quote(DossierFact._meta.db_table)}"
            expected_facts = f"SELECT {_fact_columns()} FROM raw_facts"
            mismatches += _compare(cursor, "facts", expected_facts, stored_facts, limit)
            selects = counter_selects("raw_facts", max_span=_max_span())
            for name, table in TABLES.items():
                columns = (table.date_column, *KEY_COLUMNS, *table.columns)
                listed = ", ".join(quote(c) for c in columns)
                nonzero = " OR ".join(f"{quote(c)} <> 0" for c in table.columns)
                stored = f"SELECT {listed} FROM {quote(table.db_table)} WHERE {nonzero}"
                expected = f"SELECT * FROM ({selects[name]}) AS e"
                mismatches += _compare(cursor, name, expected, stored, limit)
        finally:
            cursor.execute("DROP TABLE IF EXISTS raw_facts")
    return mismatches


def _compare(cursor, name: str, expected: str, stored: str, limit: int) -> list[Mismatch]:
    found = []
    for side, first, second in (("expected", expected, stored), ("stored", stored, expected)):
        cursor.execute(f"SELECT * FROM ({first} EXCEPT {second}) AS d LIMIT {int(limit)}")
        found += [Mismatch(name, side, tuple(row)) for row in cursor.fetchall()]
    return found
