"""Extension points: how an app adds itself to shared screens and jobs without editing another.

Every app may have an `extensions.py`; `core.apps.CoreConfig.ready()` imports it, and it
registers what the app contributes:

    from core import registry
    registry.timeline_providers.register(registry.TimelineProvider(key="referrals", entries=...))

A consumer (the case timeline, the client merge, `seed_demo`, the home page, Celery beat, role
sync, the access rules) iterates one of the registries below and names no app. Each kind of
registration is a frozen dataclass documented here; keys are unique per registry, so a module
imported twice, or two apps choosing one key, fail loudly at start-up instead of doubling up.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Q

T = TypeVar("T")


class Registry(Generic[T]):
    """An ordered set of registrations of one kind, unique by `key`, sorted by `order`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        key = item.key  # type: ignore[attr-defined]
        if key in self._items:
            raise ValueError(f"{self.name}: {key!r} is registered twice")
        self._items[key] = item
        return item

    def __iter__(self) -> Iterator[T]:
        # Stable: by `order`, then in registration order (INSTALLED_APPS order).
        return iter(sorted(self._items.values(), key=lambda item: getattr(item, "order", 0)))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> T:
        return self._items[key]

    def keys(self) -> list[str]:
        return [item.key for item in self]  # type: ignore[attr-defined]


# --- the case timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineProvider:
    """Entries of one app on a case's timeline.

    `entries(case)` returns `cases.timeline.TimelineEntry` objects (or dicts with the same
    keys) and runs a fixed number of queries however many rows the case has.
    """

    key: str
    entries: Callable[[Any], Iterable[Any]]
    order: int = 0


timeline_providers: Registry[TimelineProvider] = Registry("timeline_providers")


# --- merging two client records -------------------------------------------------------------


@dataclass(frozen=True)
class MergeMover:
    """Moves one app's rows from a duplicate client (`merged`) to the record kept (`kept`).

    `move(kept=, merged=, by=, now=)` runs inside the merge's transaction, with both client
    rows locked, and returns what it moved as {label: count}; those counts are stored on the
    ClientMerge record. `preview(kept=, merged=)` returns the same keys without changing
    anything (shown to the supervisor before she confirms). `labels` names every key
    it may return, for the confirmation page.
    """

    key: str
    move: Callable[..., Mapping[str, int]]
    preview: Callable[..., Mapping[str, int]]
    labels: Mapping[str, Any] = field(default_factory=dict)
    order: int = 0


merge_movers: Registry[MergeMover] = Registry("merge_movers")


# --- demo data ------------------------------------------------------------------------------


@dataclass
class DemoContext:
    """What `seed_demo` hands every seeder: the run's parameters and what earlier seeders made.

    `shared` carries ids between seeders (e.g. the demo users' ids under "users"); a seeder
    reads what the seeders it comes `after` left there, and adds its own.
    """

    seed: int
    scale: int
    now: datetime.datetime
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSeeder:
    """One app's demo rows.

    `seed(ctx)` writes them and returns {label: count} for the summary; `delete(ctx)` removes
    exactly the rows it wrote (for `--reset`) and returns the number deleted; `tables()` names
    the models written, analysed after seeding. Seeders run in dependency order (`after` names
    the keys of seeders whose rows this one refers to) and are deleted in the reverse order.
    """

    key: str
    seed: Callable[[DemoContext], Mapping[str, int]]
    delete: Callable[[DemoContext], int]
    after: tuple[str, ...] = ()
    tables: Callable[[], Iterable[Any]] = tuple
    order: int = 0


demo_seeders: Registry[DemoSeeder] = Registry("demo_seeders")


def demo_seeders_in_order() -> list[DemoSeeder]:
    """Every seeder after those it names in `after`; a missing or circular name is an error."""
    ordered: list[DemoSeeder] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(seeder: DemoSeeder) -> None:
        if seeder.key in done:
            return
        if seeder.key in visiting:
            raise ValueError(f"demo_seeders: {seeder.key!r} depends on itself")
        visiting.add(seeder.key)
        for name in seeder.after:
            if name not in demo_seeders:
                raise ValueError(f"demo_seeders: {seeder.key!r} comes after unknown {name!r}")
            visit(demo_seeders.get(name))
        visiting.discard(seeder.key)
        done.add(seeder.key)
        ordered.append(seeder)

    for seeder in demo_seeders:
        visit(seeder)
    return ordered


# --- the home page --------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeBlock:
    """A block on the home page.

    `context(request, now)` returns the template context of the block, or None when the block
    is not for this user (each block asks `core.authz` itself). `template` is rendered with
    that context plus `request` and `user`. Blocks show in `order`.
    """

    key: str
    template: str
    context: Callable[[Any, datetime.datetime], Mapping[str, Any] | None]
    order: int = 0


home_blocks: Registry[HomeBlock] = Registry("home_blocks")


# --- periodic work (Celery beat) ------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicTask:
    """A Celery beat entry: `task` (its dotted name) runs on `schedule` (seconds or crontab).

    Each task re-finds its rows in the database, so a missed tick is only a delay.
    """

    key: str
    task: str
    schedule: Any
    options: Mapping[str, Any] = field(default_factory=dict)
    order: int = 0


periodic_tasks: Registry[PeriodicTask] = Registry("periodic_tasks")


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The registered periodic tasks in Celery's `beat_schedule` form."""
    return {
        entry.key: {"task": entry.task, "schedule": entry.schedule, "options": dict(entry.options)}
        for entry in periodic_tasks
    }


# --- roles: admin permissions and record scopes ---------------------------------------------


@dataclass(frozen=True)
class RoleGrant:
    """Model permissions a role's group holds, for the Django admin (`accounts.roles` syncs
    them after every migrate). `actions` are Django's: view, add, change, delete."""

    key: str
    role: str
    app_label: str
    model: str
    actions: tuple[str, ...]
    order: int = 0


role_grants: Registry[RoleGrant] = Registry("role_grants")


@dataclass(frozen=True)
class ClientScope:
    """Another way a user may come to see a client's record beyond the case rules (e.g. an
    expert sees the women booked with her). `q(user)` returns a filter on Client, or None
    when it grants this user nothing. The scopes are OR-ed with the case rules."""

    key: str
    q: Callable[[Any], Q | None]
    order: int = 0


client_scopes: Registry[ClientScope] = Registry("client_scopes")


# --- capabilities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    """A named question `core.authz` answers: may `user` do this (to `obj`)?

    `check(user, obj)` is given an authenticated, active user; `obj` is None for a capability
    about a kind of page rather than a record. Names are `<app>.<verb>_<noun>`.
    """

    key: str
    check: Callable[[Any, Any], bool]
    description: str = ""
    order: int = 0


capabilities: Registry[Capability] = Registry("capabilities")
