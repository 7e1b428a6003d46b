"""Append-only tables: the database itself refuses to change or remove their rows.

Audit rows, case notes and events, records of decisions and every pghistory event table are
evidence. Their models declare it in one line:

    class Meta:
        triggers = append_only("audit_accesslog_append_only")

    @pghistory.track(meta=append_only_history())

Each table gets a row-level BEFORE UPDATE OR DELETE trigger (the one `pgtrigger.ignore` lifts
for anonymisation, by its name) and a statement-level BEFORE TRUNCATE trigger: TRUNCATE fires
no row trigger, so without it one statement would empty the table. No code of the app lifts the
TRUNCATE trigger; only the test suite's flush does (conftest.py).

Triggers stop the app's own statements. A role that owns the tables can still disable them
(`ALTER TABLE ... DISABLE TRIGGER`): the app connects as a role that owns nothing (README.md,
"Running as a restricted database role").
"""

from __future__ import annotations

import pgtrigger
from django.db.models import Model

# Trigger names are per model, so every table's TRUNCATE refusal has the same name.
NO_TRUNCATE = "no_truncate"


def no_truncate() -> pgtrigger.Trigger:
    """A statement-level BEFORE TRUNCATE trigger that raises (also when TRUNCATE ... CASCADE
    reaches the table from another one)."""
    return pgtrigger.Trigger(
        name=NO_TRUNCATE,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME; RETURN NULL;",
    )


def append_only(
    name: str, *, operation: pgtrigger.Operation = pgtrigger.Update | pgtrigger.Delete
) -> list[pgtrigger.Trigger]:
    """`Meta.triggers` of an append-only table: `operation` (UPDATE and DELETE unless told)
    refused row by row by the trigger `name`, and TRUNCATE refused.

    A record whose state a service moves on (an erasure request being decided) passes
    `operation=pgtrigger.Delete`: it may change, never disappear.
    """
    return [pgtrigger.Protect(name=name, operation=operation), no_truncate()]


def append_only_history() -> dict:
    """`meta` of `pghistory.track(...)`: the event table refuses TRUNCATE. Its UPDATE and
    DELETE refusal ("append_only") comes from PGHISTORY_APPEND_ONLY in the settings.

    A new dict and trigger on each call: pghistory adds to the dict of the model it builds.
    """
    return {"triggers": [no_truncate()]}


def no_truncate_uris() -> list[str]:
    """`pgtrigger.ignore` URIs of every TRUNCATE refusal (only the test suite's flush uses
    them)."""
    return [
        f"{model._meta.label}:{trigger.name}"
        for model, trigger in pgtrigger.registered()
        if trigger.name == NO_TRUNCATE
    ]


def append_only_models() -> list[type[Model]]:
    """Every model whose table refuses TRUNCATE, in registration order."""
    return list(
        dict.fromkeys(
            model for model, trigger in pgtrigger.registered() if trigger.name == NO_TRUNCATE
        )
    )
