"""What every app's demo seeder needs to write and delete its rows fast; knows no app.

Seeders (`<app>/demo.py`, registered in `<app>/extensions.py` as `core.registry.DemoSeeder`)
write with PostgreSQL COPY, because the ORM's bulk_create takes minutes at `--scale 100`, and
delete with one statement per table, because the ORM's cascade collector would load every row.
"""

from __future__ import annotations

from collections.abc import Iterable

import pgtrigger
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Model, QuerySet

from core.registry import demo_seeders_in_order


def event_model(model: type[Model]) -> type[Model] | None:
    """The pghistory event model of a tracked model, or None when it is not tracked."""
    try:
        return model._meta.get_field("events").related_model
    except FieldDoesNotExist:
        return None


def trigger_uris(*models: type[Model]) -> list[str]:
    """Every pgtrigger/pghistory trigger on these models and on their history tables.

    Demo rows need no insert history (the history of fictitious data is noise, and writing it
    would double the time at large scales), and the append-only triggers of notes, case events
    and history rows are lifted so that `--reset` can remove them. `pgtrigger.ignore` lifts
    them for the current transaction only.
    """
    wanted = set(models) | {e for e in map(event_model, models) if e is not None}
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if model in wanted
    ]


def tables_of(models: Iterable[type[Model]]) -> list[str]:
    """The tables of these models, with their many-to-many and pghistory event tables."""
    tables: list[str] = []
    for model in models:
        tables.append(model._meta.db_table)
        tables.extend(m2m.remote_field.through._meta.db_table for m2m in model._meta.many_to_many)
        events = event_model(model)
        if events is not None:
            tables.append(events._meta.db_table)
    return list(dict.fromkeys(tables))


def seeded_tables() -> list[str]:
    """Every table a registered seeder writes or deletes from, in seeding order."""
    return list(dict.fromkeys(t for s in demo_seeders_in_order() for t in tables_of(s.tables())))


def delete_rows(*querysets: QuerySet) -> int:
    """Delete each queryset's rows with one DELETE, in the order given; no signals, no cascade.

    For a tracked model, pass its history first (`history_of`): the event rows point at it.
    Call inside `pgtrigger.ignore(*trigger_uris(...))` when a table is append-only.
    """
    # A queryset that can match nothing (`pk__in=[]`, an app seeded for the first time on a
    # database loaded before it existed) runs no DELETE, and Django answers None, not 0.
    return sum(queryset._raw_delete(connection.alias) or 0 for queryset in querysets)


def history_of(model: type[Model], rows: QuerySet) -> QuerySet:
    """The pghistory event rows of `rows` (a queryset of `model`)."""
    events = event_model(model)
    if events is None:
        raise ValueError(f"{model._meta.label} is not tracked by pghistory")
    return events.objects.filter(pgh_obj__in=rows.values("pk"))


def start_copy() -> None:
    """Run one Django query so that the transaction-local `pgtrigger.ignore` setting of the
    enclosing `pgtrigger.ignore()` is in force: COPY bypasses Django's execute wrappers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Take `count` ids from the table's sequence, so rows can reference each other before
    they are copied in."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[Model], objs: Iterable[Model], *, with_pk: bool) -> int:
    """COPY model instances in, every concrete column (Python-side defaults included).

    Call `start_copy()` first, inside the seeder's `pgtrigger.ignore()`.
    """
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    prep = [(f.attname, f.get_db_prep_save) for f in fields]
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([p(getattr(obj, name), connection) for name, p in prep])
                count += 1
    return count


def copy_links(through: type[Model], rows: Iterable[tuple[int, int]]) -> int:
    """COPY (owner id, other id) pairs into an auto-created many-to-many table."""
    own, other = [f.column for f in through._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(through._meta.db_table)
    columns = f"{connection.ops.quote_name(own)}, {connection.ops.quote_name(other)}"
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count
