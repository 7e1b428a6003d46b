"""Extension points: how an app adds itself to shared screens and jobs without editing another.

Every app may have an `extensions.py`; `core.apps.CoreConfig.ready()` imports it, and it
registers what the app contributes:

    from core import registry
    registry.timeline_providers.register(registry.TimelineProvider(key="referrals", entries=...))

A consumer (the case timeline, the client merge, `seed_demo`, the home page, the staff
calendar, Celery beat, role sync, the access rules) iterates one of the registries below and
names no app. Each kind of registration is a frozen dataclass documented here; keys are unique
per registry, so a module imported twice, or two apps choosing one key, fail loudly at
start-up instead of doubling up.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

    `shared` carries what one seeder made to those that come `after` it (e.g. the demo users'
    ids under "users"); a seeder reads only what the seeders it names left there, and adds its
    own. `notices` are lines the command prints once, after the summary (the passwords of
    logins just created, which are stored in clear nowhere).
    """

    seed: int
    scale: int
    now: datetime.datetime
    shared: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _nothing_present(ctx: DemoContext) -> Mapping[str, int]:
    return {}


def _nothing_foreign(ctx: DemoContext) -> Iterable[str]:
    return ()


@dataclass(frozen=True)
class DemoSeeder:
    """One app's demo rows.

    `seed(ctx)` writes them and returns {label: count} for the summary. `delete(ctx)` removes
    exactly the rows its seeder wrote (for `--reset`), its pghistory event rows included, and
    returns the number deleted (0 for rows a reset keeps on purpose, like the demo logins whose
    passwords were handed out); it runs before the deletes of the seeders this one comes after,
    so their rows are still there to find its own by. `tables()` names the models written,
    analysed after seeding.

    `present(ctx)` returns {label: count} of demo rows already in the database that `delete`
    would remove (an empty or all-zero mapping: not loaded); `foreign(ctx)` returns the names
    (plural nouns, e.g. "clients") of rows that are not demo data and that a reset would have
    to leave pointing at nothing, so the command refuses to run. Both run before anything is
    written.

    Seeders run in dependency order (`after` names the keys of seeders whose rows this one
    refers to) and are deleted in the reverse order.
    """

    key: str
    seed: Callable[[DemoContext], Mapping[str, int]]
    delete: Callable[[DemoContext], int]
    after: tuple[str, ...] = ()
    tables: Callable[[], Iterable[Any]] = tuple
    present: Callable[[DemoContext], Mapping[str, int]] = _nothing_present
    foreign: Callable[[DemoContext], Iterable[str]] = _nothing_foreign
    order: int = 0


demo_seeders: Registry[DemoSeeder] = Registry("demo_seeders")


def demo_seeders_in_order(seeders: Registry[DemoSeeder] | None = None) -> list[DemoSeeder]:
    """Every seeder after those it names in `after`; a missing or circular name is an error.

    `seeders` defaults to the project's registry (another one is for tests of the rule).
    """
    seeders = demo_seeders if seeders is None else seeders
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
            if name not in seeders:
                raise ValueError(f"demo_seeders: {seeder.key!r} comes after unknown {name!r}")
            visit(seeders.get(name))
        visiting.discard(seeder.key)
        done.add(seeder.key)
        ordered.append(seeder)

    for seeder in seeders:
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


@dataclass(frozen=True)
class NavLink:
    """A link in the main navigation: `menu` "main" (the bar itself) or "supervision" (the
    supervisors' menu). Shown to users who have `capability` (a page-kind capability of
    `core.authz`), in `order`. `label` is a lazy translation; `accesskey` is optional."""

    key: str
    label: Any
    url_name: str
    capability: str
    menu: str = "main"
    order: int = 0
    accesskey: str = ""


nav_links: Registry[NavLink] = Registry("nav_links")
NAV_MENUS = ("main", "supervision")
# Main links shown in the bar itself, in order; the rest go under "More" (the bar stays one line).
NAV_MAIN_VISIBLE = 7


@dataclass(frozen=True)
class SupervisionFigure:
    """A figure on the supervisors' pages: a column of the caseload table (one value per
    counselor) and/or a card of the supervision summary (one total).

    `per_counselor(now)` is an expression correlated to the counselor (`OuterRef("pk")` is the
    user), annotated on the caseload rows; `total(now)` an expression for the programme-wide
    number, annotated in the summary's one query. Either may be None. `link(now, counselor_pk)`
    is where the number leads (counselor_pk None for the total), or "" for no link; `alert`
    figures are highlighted when not zero.
    """

    key: str
    label: Any
    per_counselor: Callable[[datetime.datetime], Any] | None = None
    total: Callable[[datetime.datetime], Any] | None = None
    link: Callable[[datetime.datetime, int | None], str] = lambda now, pk: ""
    alert: bool = False
    order: int = 0


supervision_figures: Registry[SupervisionFigure] = Registry("supervision_figures")


# --- sections of record pages, columns of lists, admin filters -----------------------------


@dataclass(frozen=True)
class PageSection:
    """A section another app adds to a record's page (`page` names it: "cases.client_detail",
    "cases.case_detail", "activities.session_detail"). `context(request, obj)` returns the
    section's context (`section` in `template`), or None to show nothing; it runs a fixed
    number of queries."""

    key: str
    page: str
    template: str
    context: Callable[[Any, Any], Mapping[str, Any] | None]
    order: int = 0


page_sections: Registry[PageSection] = Registry("page_sections")


def sections_for(page: str, request: Any, obj: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """(template, context) of every registered section of `page` that has something to show."""
    shown = []
    for section in page_sections:
        if section.page == page and (context := section.context(request, obj)) is not None:
            shown.append((section.template, context))
    return shown


@dataclass(frozen=True)
class ListColumn:
    """A column another app adds to a list (`list` names it: "cases.case_list"):
    `annotation(now)` is annotated on each row under `key` (a correlated subquery, so the
    list stays one query) and `template` renders the cell with `value` and `row`."""

    key: str
    list: str
    label: Any
    annotation: Callable[[datetime.datetime], Any]
    template: str
    order: int = 0


list_columns: Registry[ListColumn] = Registry("list_columns")


def columns_for(list_name: str) -> list[ListColumn]:
    return [column for column in list_columns if column.list == list_name]


@dataclass(frozen=True)
class AdminFilter:
    """A list filter another app adds to a model's admin changelist (`model` is its
    `app_label.modelname`), e.g. "has an overdue follow-up" on clients and cases."""

    key: str
    model: str
    filter: type
    order: int = 0


admin_filters: Registry[AdminFilter] = Registry("admin_filters")


# --- closing a case: what is still open on it ------------------------------------------------

# What the supervisor decides, on approving a closing, for the open items of the case.
SETTLE_CANCEL = "cancel"
SETTLE_HAND_OVER = "hand_over"


@dataclass(frozen=True)
class OpenItem:
    """One thing still open on a case (a follow-up not done, ...), as the closing pages list
    it: `kind` names what it is (a lazy translation), `owner` who has it (a user, or None),
    `due` its due date or time (or None), `url` where it is read ("" for none)."""

    kind: Any
    text: str
    owner: Any = None
    due: datetime.date | datetime.datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class CaseOpenItems:
    """What an app still has open on a case, so that closing it (終結) leaves nothing behind
    unnoticed.

    `items(case_ids)` returns {case_id: [OpenItem, ...]} for the cases given that have any, in
    a fixed number of queries however many cases (the supervisors' list of pending closings
    asks for all of them at once); the counselor's closing request and the supervisor's
    approval list them. `settle(case=, outcome=, to=, reason=, by=, now=)` runs inside the
    approval's transaction, with the case row locked, and ends every open item of that case:
    `outcome` SETTLE_CANCEL cancels them, SETTLE_HAND_OVER gives them to `to` (a counselor
    who stays with her); either way `reason` is recorded with the change. It returns what it
    settled as {label: count} (labels are plain strings), stored on the closing's CaseEvent.
    """

    key: str
    items: Callable[[Iterable[int]], Mapping[int, list[OpenItem]]]
    settle: Callable[..., Mapping[str, int]]
    order: int = 0


case_open_items: Registry[CaseOpenItems] = Registry("case_open_items")


@dataclass(frozen=True)
class ConsultationFollowUp:
    """What happens when a consultation is recorded with "follow-up needed" ticked: the app
    that keeps follow-ups creates one (`create(consultation=, what=, due_at=, by=)`, inside the
    consultation's transaction, raising ValidationError on bad input). With none registered the
    consultation form does not offer the box, so ticking it never creates nothing."""

    key: str
    create: Callable[..., Any]
    order: int = 0


consultation_follow_ups: Registry[ConsultationFollowUp] = Registry("consultation_follow_ups")


@dataclass(frozen=True)
class ConsultationStaff:
    """Who besides counselors may hold a consultation (be one of its `counselors`): active
    holders of `role`, for consultations whose kind is in `kinds` (e.g. an expert, the legal
    and health consultations she answers). With none registered only counselors may."""

    key: str
    role: str
    kinds: tuple[str, ...]
    order: int = 0


consultation_staff: Registry[ConsultationStaff] = Registry("consultation_staff")


def consultation_staff_roles(kind: str) -> tuple[str, ...]:
    """The roles, beyond counselor, allowed to hold a consultation of `kind`."""
    return tuple(entry.role for entry in consultation_staff if kind in entry.kinds)


# --- what is held about a client (disclosure, erasure, retention) ----------------------------


@dataclass(frozen=True)
class ClientDataHolder:
    """One app's rows about a client, for her rights under the APPI (`privacy`): disclosure
    (開示請求), erasure (削除請求) and the retention job.

    `disclose(client)` returns everything the app holds about her as plain JSON values (str,
    int, bool, None, lists and dicts of them; times as ISO strings), grouped under labelled
    sections: a list of `{"label": ..., "rows": [{field label: value, ...}]}`; it runs a fixed
    number of queries. `anonymise(client, now)` runs inside the privacy service's transaction,
    with her row locked, and removes what identifies her: names, phone numbers, LINE ids and
    every free text (in the rows and in their pghistory event rows), keeping the coded data
    (kinds, dates, wards, age bands, statuses, outcomes) so that figures do not change; it is
    idempotent and returns what it scrubbed as {label: count}. `last_activity()` returns an
    expression evaluated on a Client queryset (a subquery correlated by `OuterRef("pk")`, or
    `F()` of her own columns), the time of the
    latest thing the app recorded about her, or NULL; the retention job takes the latest of
    every holder's in one query. `records(client)` names her rows the way the access log does,
    {object type ("cases.case"): ids}, so that the audit app's holder can disclose who looked at
    each of them. Each of the three may be None (the access log discloses only).
    """

    key: str
    label: Any
    disclose: Callable[[Any], list[Mapping[str, Any]]]
    anonymise: Callable[..., Mapping[str, int]] | None = None
    last_activity: Callable[[], Any] | None = None
    records: Callable[[Any], Mapping[str, Iterable[Any]]] | None = None
    order: int = 0


client_data: Registry[ClientDataHolder] = Registry("client_data")


# --- the staff calendar and its iCalendar feed ------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """One thing on the staff calendar (a LINE opening, an expert day, a peer session, an
    accompaniment).

    `start` and `end` are aware datetimes (for `all_day`, the Tokyo midnights of the first day
    and of the day after the last). `title` carries no personal data: it goes into phone
    calendars through the feed, so never a client's name, nickname or a place that points at
    her. `kind` is the filter's category (a code, stable); `uid` identifies the entry across
    feeds and edits (`<app>-<model>-<pk>` or the like; the same entry always has the same
    one); `url` is the page it opens in the app (a path), or None.
    """

    start: datetime.datetime
    end: datetime.datetime
    title: str
    kind: str
    uid: str
    url: str | None = None
    all_day: bool = False


@dataclass(frozen=True)
class CalendarSource:
    """One app's entries on the staff calendar (`agenda`) and in each user's iCalendar feed.

    `entries(user, start, end)` returns the `CalendarEntry` objects that overlap
    [start, end) and that `user` may see (scoped like the app's own pages; an empty iterable
    when she may see none), in a fixed number of queries however long the range. `label`
    names the source in the calendar's filters (a lazy translation); sources show in `order`.
    """

    key: str
    label: Any
    entries: Callable[[Any, datetime.datetime, datetime.datetime], Iterable[CalendarEntry]]
    order: int = 0


calendar_sources: Registry[CalendarSource] = Registry("calendar_sources")


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


def grant_models(role: str, app_label: str, models: Mapping[str, tuple[str, ...]]) -> None:
    """Register a RoleGrant for each {model: actions} of one app."""
    for model, actions in models.items():
        role_grants.register(
            RoleGrant(
                key=f"{role}:{app_label}.{model}",
                role=role,
                app_label=app_label,
                model=model,
                actions=actions,
            )
        )


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


# --- list downloads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListExport:
    """A list that supervisors (or whoever `capability` names) download as CSV or XLSX, served
    by the one download view (`tsunagari.exports.list_download`) at
    /reports/exports/<key>/?format=csv|xlsx&<the list page's filters>, and listed on the
    downloads page (/reports/exports/) for those who may have it.

    `header()` returns the column titles (in the request's language); `rows(user, params)`
    returns the rows of what `user` may see, filtered by `params` (the query string) the way
    the list page filters: it checks `params` at once and raises `core.exports.ExportRefused`
    (a message for her) on a bad filter, then yields rows lazily (an iterator over the
    database, in a fixed number of queries however many rows). No free text ever: ids as
    numbers, codes as their labels, times in Asia/Tokyo. `model` is what the access log
    records the download against (`app_label.modelname`); `list_url_name` is the page the
    list lives on (the refusal page links back to it), `stem` the file name's start,
    `description` a line on the downloads page saying what is in it (and what is not).
    """

    key: str
    label: Any
    capability: str
    model: str
    header: Callable[[], Sequence[Any]]
    rows: Callable[[Any, Mapping[str, str]], Iterable[Sequence[Any]]]
    stem: str = ""
    list_url_name: str = ""
    description: Any = ""
    period: bool = False  # whether `rows` reads `from`/`to` (the downloads page offers them)
    order: int = 0


list_exports: Registry[ListExport] = Registry("list_exports")


# --- the yearly report -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One line of the report page's table: the figure under the dotted `key` of the report's
    numbers (e.g. "line.friends_at_end"), its `label`, its `definition` (a footnote), its
    `unit` ("" / "%" / a counter word) and, for a percentage with a goal, its `target` key.
    `people` marks a count of women: an export for outside the programme hides it below 5.
    `group` is the part of the city's table it belongs to (the key's first part by default:
    "line", "supplies", "peer_support", "expert", "survey", "cases", "referrals", ...)."""

    key: str
    label: Any
    definition: Any = ""
    unit: Any = ""
    target: str = ""
    people: bool = False
    group: str = ""


@dataclass(frozen=True)
class MonthlySeries:
    """A line of the report's monthly chart: `counts(start, end)` returns {"YYYY-MM": n}
    for the months of the period, in a fixed number of queries."""

    key: str
    label: Any
    counts: Callable[[datetime.date, datetime.date], Mapping[str, int]]


@dataclass(frozen=True)
class ReportSection:
    """One app's part of the yearly report (`kpi_report`, /reports/kpi/).

    `numbers(start, end)` returns the app's figures for the Tokyo days start..end (both
    included) as a nested mapping of JSON values; its top-level keys are the report's groups
    ("line", "cases", ...). Two sections may fill one group, never one key. `derived(numbers)`,
    if given, runs once every section has answered and returns figures computed from others'
    (a ratio of two apps' counts). `rows(numbers)` lists the page's table lines of the section
    under `title`; `monthly` the chart's series it contributes. Every callable aggregates in the
    database in a fixed number of queries, however many rows the period holds.
    """

    key: str
    title: Any
    numbers: Callable[[datetime.date, datetime.date], Mapping[str, Any]]
    rows: Callable[[Mapping[str, Any]], Iterable[ReportRow]] = lambda numbers: ()
    derived: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    monthly: tuple[MonthlySeries, ...] = ()
    order: int = 0


report_sections: Registry[ReportSection] = Registry("report_sections")
