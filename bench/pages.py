#!/usr/bin/env python
"""Page benchmark: SQL queries and wall time of the main pages at several data volumes.

    python bench/pages.py --scales 1,100 --repeat 5

For each scale it reloads the demo FY2022 (`seed_demo --seed N --scale S --reset`) into a
database of its own, then requests each page through Django's test Client, logged in as the
demo users (the counselor with the largest caseload, and supervisor1). Each page is requested
once to warm up, then --repeat times; it reports the number of SQL queries of a request and the
median and 95th-percentile wall time. A RATIO table compares every scale with the first one.

It exits with status 1 when a page answers anything but 200 or when a page's query count is
not the same at every scale (a count that grows with the rows is an N+1). It is a benchmark,
not a test: `make test` never runs it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import io
import json
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SLOW_MS = 300.0  # a page slower than this (median) at the largest scale is flagged
BIG_TABLE_ROWS = 50_000  # a sequential scan reading this many rows is flagged
NICKNAME_FRAGMENT = "さく"  # two characters, as a counselor types a nickname (さくら, さくらこ)
NICKNAME_1 = "ゆ"  # one character: the shortest fragment, matching about one nickname in eight
NICKNAME_3 = "さくら"  # three characters
KATAKANA_QUERY = "ユカリ"  # typed in katakana, finds ゆかり (search by the nickname's search key)
PHONE_FRAGMENT = "09012"  # digits only: searched as a phone fragment
INTAKE_QUERY = "ゆき"
SHORT_FRAGMENT_TARGET = 3.0  # a 1-2 character search may grow at most this much from 1x to 100x
CALENDAR_MONTH = "2022-10"  # inside the demo fiscal year


# --- choosing and preparing the database --------------------------------------------------


def _maintenance_url(url: str, database: str) -> str:
    """The same server and credentials, another database (libpq accepts this URL form)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/" + database, parts.query, ""))


def bench_database(url: str, requested: str | None, force: bool) -> str:
    """The database to use: --database, else DATABASE_URL's own if it is a bench database,
    else "<DATABASE_URL's name>_bench". Only *bench* names are accepted without --force."""
    current = urlsplit(url).path.lstrip("/") or "tsunagari"
    name = requested or (current if "bench" in current else f"{current}_bench")
    if "bench" not in name and not force:
        raise SystemExit(
            f"Refusing to use the database {name!r}: this benchmark deletes and reloads the "
            "demo data, so it only touches databases whose name contains 'bench'. "
            "Pass --force to use it anyway."
        )
    return name


def ensure_database(url: str, name: str) -> bool:
    """Create the database if it is missing (through the server's `postgres` database)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_maintenance_url(url, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django(url: str, name: str) -> None:
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagari.settings")
    # Like every manage.py command in development; production settings need collectstatic.
    os.environ.setdefault("DEBUG", "true")
    # force_login is one sign-in step: with two steps required every page would answer a
    # redirect to the MFA step (as with `make run`, which relaxes it the same way).
    os.environ.setdefault("MFA_REQUIRED", "false")
    import django

    django.setup()
    from django.conf import settings

    # The test Client calls itself "testserver" (the test runner adds it the same way).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def reseed(*, scale: int, seed: int, reuse: bool) -> None:
    """Migrate, reload the demo data at this scale, then compact and analyse the tables."""
    from django.core.management import call_command
    from django.db import connection

    from cases import demo
    from cases.models import Client

    call_command("migrate", verbosity=0, interactive=False)
    if reuse and Client.objects.count() == demo.BASE_CLIENTS * scale:
        print(f"Reusing the demo data already loaded at scale {scale}.")
        return
    began = time.monotonic()
    out = io.StringIO()
    call_command("seed_demo", seed=seed, scale=scale, reset=True, stdout=out)
    for line in out.getvalue().splitlines():
        if line.startswith("Demo logins"):
            break  # the passwords that follow are of no use here (we log in without them)
        print(line)
    with connection.cursor() as cursor:
        # The reset deleted the previous scale's rows: compact the tables so a small scale is
        # not measured over the dead pages of a large one. VACUUM FULL leaves the visibility
        # map empty, so a plain VACUUM follows: index-only scans then skip the heap, as they do
        # on a database that autovacuum looks after.
        cursor.execute("VACUUM FULL")
        cursor.execute("VACUUM (ANALYZE)")
    print(f"Seeded and vacuumed in {time.monotonic() - began:.0f} s.")


# --- what is measured -----------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    role: str  # "counselor" or "supervisor": who requests it
    url: str
    # For a search: how many rows it finds for that user (counted outside the timed runs). A
    # search finding nothing runs one query less (Django skips the row query of an empty page).
    matches: Callable[[User], int] | None = None
    short: bool = False  # a nickname fragment of one or two characters (SHORT_FRAGMENT_TARGET)


@dataclass
class Targets:
    """The users and rows the pages are requested for, chosen afresh at each scale."""

    counselor: User
    supervisor: User
    client_pk: int
    client_consultations: int
    case_pk: int
    case_entries: int


@dataclass
class Measure:
    page: Page
    statuses: set[int] = field(default_factory=set)
    queries: list[int] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)  # time spent in the database
    statements: list[str] = field(default_factory=list)  # the SQL of the last run
    matches: int | None = None  # rows the search finds for that user (Page.matches)

    @property
    def ok(self) -> bool:
        return self.statuses == {200}

    @property
    def query_count(self) -> int:
        return max(self.queries)

    @property
    def steady(self) -> bool:
        """Every timed request ran the same number of queries."""
        return len(set(self.queries)) == 1

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)  # nearest rank: with 5 runs this is the slowest
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def choose_targets() -> Targets:
    """The counselor with the largest open caseload, supervisor1, her client with the most
    consultations and her open case (with an open follow-up) with the most timeline rows."""
    from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
    from django.db.models.functions import Coalesce

    from accounts.demo import SUPERVISOR
    from accounts.models import User
    from cases.models import (
        Case,
        CaseEvent,
        CaseNote,
        Consultation,
        RiskFlag,
        SupportAction,
        SupportGoal,
    )
    from cases.selectors import cases_visible_to, clients_visible_to
    from core.roles import Role
    from followups.models import FollowUp
    from supplies.models import Handout

    counselor = (
        User.objects.filter(is_active=True, groups__name=Role.COUNSELOR)
        .annotate(
            open_cases=Count(
                "assigned_cases", filter=Q(assigned_cases__status__in=Case.OPEN_STATUSES)
            )
        )
        .order_by("-open_cases", "pk")
        .first()
    )
    supervisor = User.objects.get(username=SUPERVISOR)
    if counselor is None:
        raise SystemExit("No counselor found: did seed_demo run?")

    # Her client with the most consultations among those who also have a case, a follow-up
    # and a risk flag: every part of the page has rows at every scale, so the query counts
    # compare like with like (a prefetch over no rows runs no nested query).
    client = (
        clients_visible_to(counselor)
        .annotate(
            n=Count("consultations", distinct=True),
            full=Exists(Case.objects.filter(client=OuterRef("pk")))
            & Exists(FollowUp.objects.filter(client=OuterRef("pk")))
            & Exists(RiskFlag.objects.filter(client=OuterRef("pk"))),
        )
        .order_by("-full", "-n", "pk")
        .values("pk", "n")
        .first()
    )

    def rows(model) -> Coalesce:
        counted = (
            model.objects.filter(case_id=OuterRef("pk"))
            .order_by()
            .values("case_id")
            .annotate(n=Count("*"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    # What the timeline shows: consultations, notes, goals, actions, state changes, follow-ups.
    # An open case first, with an open follow-up: a closed case's page offers no forms (no
    # priority, goal or owner choices to fill), so it would compare unlike with like. Then one
    # where products were handed out (the handouts' movements are prefetched only when there
    # are some), so that every scale's case has that part of the timeline too.
    case = (
        cases_visible_to(counselor)
        .annotate(
            open_case=Exists(Case.objects.filter(pk=OuterRef("pk"), status__in=Case.OPEN_STATUSES))
            & Exists(FollowUp.objects.filter(case=OuterRef("pk"), state__in=FollowUp.OPEN_STATES)),
            products=Exists(Handout.objects.filter(consultation__case=OuterRef("pk"))),
            entries=rows(Consultation)
            + rows(CaseNote)
            + rows(SupportGoal)
            + rows(SupportAction)
            + rows(CaseEvent)
            + rows(FollowUp),
        )
        .order_by("-open_case", "-products", "-entries", "pk")
        .values("pk", "entries")
        .first()
    )
    if client is None or case is None:
        raise SystemExit(f"{counselor.username} sees no client or no case: did seed_demo run?")
    return Targets(
        counselor=counselor,
        supervisor=supervisor,
        client_pk=client["pk"],
        client_consultations=client["n"],
        case_pk=case["pk"],
        case_entries=case["entries"],
    )


def pages_for(t: Targets) -> list[Page]:
    from django.urls import reverse

    from cases.selectors.clients import client_list, intake_search

    def url(name: str, query: dict | None = None, **kwargs) -> str:
        path = reverse(name, kwargs=kwargs or None)
        return f"{path}?{urlencode(query)}" if query else path

    def search(q: str, role: str, *, short: bool = False) -> Page:
        return Page(
            f"client search q={q}",
            role,
            url("cases:client_list", {"q": q}),
            matches=lambda user: client_list(user, q=q).count(),
            short=short,
        )

    def intake(q: str, *, short: bool = False) -> Page:
        return Page(
            f"intake q={q}",
            "counselor",
            url("cases:intake", {"q": q}),
            matches=lambda user: len(intake_search(user, q)),
            short=short,
        )

    active_high = {"status": "active", "priority": "3"}
    return [
        Page("home", "counselor", url("home")),
        Page("home", "supervisor", url("home")),
        Page("my caseload", "counselor", url("cases:case_list")),
        Page("case list active+high", "counselor", url("cases:case_list", active_high)),
        Page("case list active+high", "supervisor", url("cases:case_list", active_high)),
        Page("client list", "counselor", url("cases:client_list")),
        search(NICKNAME_FRAGMENT, "counselor", short=True),
        search(NICKNAME_FRAGMENT, "supervisor", short=True),
        search(NICKNAME_1, "counselor", short=True),
        search(NICKNAME_1, "supervisor", short=True),
        search(KATAKANA_QUERY, "counselor"),
        search(PHONE_FRAGMENT, "counselor"),
        intake(INTAKE_QUERY, short=True),
        intake(NICKNAME_1, short=True),
        Page("client detail", "counselor", url("cases:client_detail", pk=t.client_pk)),
        Page("case detail", "counselor", url("cases:case_detail", pk=t.case_pk)),
        Page("supervisor caseload", "supervisor", url("cases:caseload")),
        Page("risk board", "supervisor", url("cases:risk_board")),
        Page("my follow-ups", "counselor", url("followups:mine")),
        Page("notifications", "counselor", url("notifications:list")),
        Page("notifications", "supervisor", url("notifications:list")),
        Page("openings calendar", "counselor", url("openings:calendar", {"month": CALENDAR_MONTH})),
    ]


def measure(
    pages: Sequence[Page], targets: Targets, repeat: int, at: datetime.datetime
) -> list[Measure]:
    """Request every page as of the instant `at`, the same for every scale: some pages run
    more queries when LINE is closed than when it is open (the window is computed from the
    rules), and a window opening between two scales must not read as an N+1."""
    from django.utils import timezone

    with mock.patch.object(timezone, "now", lambda: at):
        return _measure(pages, targets, repeat)


def signed_in(targets: Targets) -> dict[str, Any]:
    """A test Client per role, signed in as the targets' counselor and supervisor."""
    from django.test import Client

    browsers = {}
    for role, user in (("counselor", targets.counselor), ("supervisor", targets.supervisor)):
        browsers[role] = Client()
        browsers[role].force_login(user)
    return browsers


def _measure(pages: Sequence[Page], targets: Targets, repeat: int) -> list[Measure]:
    browsers = signed_in(targets)
    results = []
    for page in pages:
        result = Measure(page)
        if page.matches is not None:
            result.matches = page.matches(getattr(targets, page.role))
        _time_page(browsers[page.role], page, result, repeat + 1, warm_up=True)
        results.append(result)
    return results


def _time_page(browser, page: Page, result: Measure, runs: int, *, warm_up: bool) -> None:
    """`runs` requests of `page`, added to `result` (the first only warms up if `warm_up`)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for run in range(runs):
        # The query log is a bounded deque: once seeding has filled it (DEBUG keeps every
        # statement), its length stops growing and a capture would count no query.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = browser.get(page.url)
            _ = response.content  # the whole page is rendered before we stop the clock
            elapsed = (time.perf_counter() - began) * 1000
        result.statuses.add(response.status_code)
        if warm_up and run == 0:
            continue  # warm-up: templates compiled, catalogues loaded, caches filled
        result.queries.append(len(captured.captured_queries))
        result.times_ms.append(elapsed)
        result.sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        result.statements = [q["sql"] for q in captured.captured_queries]


def use_database(name: str) -> None:
    """Point Django's connection at another database of the same server."""
    from django.conf import settings
    from django.db import connection

    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def measure_interleaved(
    prepared: dict[int, tuple[str, Targets, list[Page]]],
    repeat: int,
    at: datetime.datetime,
) -> dict[int, list[Measure]]:
    """The short-fragment searches again, one request at each scale in turn (each scale in its
    own database): a load that comes and goes on the machine then falls on every scale alike,
    where measuring one scale after the other lets it fall on one of them only."""
    from django.utils import timezone

    results: dict[int, list[Measure]] = {}
    browsers: dict[int, dict[str, Any]] = {}
    with mock.patch.object(timezone, "now", lambda: at):
        for scale, (database, targets, pages) in prepared.items():
            use_database(database)
            browsers[scale] = signed_in(targets)
            results[scale] = []
            for page in pages:
                result = Measure(page)
                if page.matches is not None:
                    result.matches = page.matches(getattr(targets, page.role))
                _time_page(browsers[scale][page.role], page, result, 1, warm_up=True)
                results[scale].append(result)
        for _ in range(repeat):
            for scale, (database, _targets, pages) in prepared.items():
                use_database(database)
                for page, result in zip(pages, results[scale], strict=True):
                    _time_page(browsers[scale][page.role], page, result, 1, warm_up=False)
    return results


# --- EXPLAIN of the main queries ----------------------------------------------------------


@dataclass
class SeqScan:
    table: str
    rows_read: int  # rows the scan went through (kept + removed by its filter), all loops
    ms: float  # time of the scan node, all loops

    @property
    def big(self) -> bool:
        return self.rows_read >= BIG_TABLE_ROWS


@dataclass
class Plan:
    label: str
    text: str
    rows: int
    execution_ms: float
    planning_ms: float
    jit_ms: float
    seq_scans: list[SeqScan]
    indexes: list[str]


def explain_main_queries(targets: Targets, *, with_text: bool) -> list[Plan]:
    """EXPLAIN (ANALYZE, BUFFERS) of the row query behind client search and the case list."""
    from cases.selectors.cases import caseload_for
    from cases.selectors.clients import client_list, intake_search_rows

    page = 50  # both pages show 50 rows
    counselor, supervisor = targets.counselor, targets.supervisor
    queries: list[tuple[str, Callable]] = [
        (
            f"client search q={NICKNAME_FRAGMENT} (counselor)",
            lambda: client_list(counselor, q=NICKNAME_FRAGMENT)[:page],
        ),
        (
            f"client search q={NICKNAME_FRAGMENT} (supervisor)",
            lambda: client_list(supervisor, q=NICKNAME_FRAGMENT)[:page],
        ),
        (
            f"client search q={NICKNAME_1} (counselor)",
            lambda: client_list(counselor, q=NICKNAME_1)[:page],
        ),
        (
            f"client search q={NICKNAME_1} (supervisor)",
            lambda: client_list(supervisor, q=NICKNAME_1)[:page],
        ),
        (
            f"client search q={NICKNAME_3} (supervisor)",
            lambda: client_list(supervisor, q=NICKNAME_3)[:page],
        ),
        (
            f"client search q={KATAKANA_QUERY} (counselor)",
            lambda: client_list(counselor, q=KATAKANA_QUERY)[:page],
        ),
        (
            f"client search q={PHONE_FRAGMENT} (counselor)",
            lambda: client_list(counselor, q=PHONE_FRAGMENT)[:page],
        ),
        # What intake_search reads: every unmerged client, whoever's she is.
        (
            f"intake q={INTAKE_QUERY} (counselor)",
            lambda: intake_search_rows(counselor, INTAKE_QUERY)[:page],
        ),
        (
            f"intake q={NICKNAME_1} (counselor)",
            lambda: intake_search_rows(counselor, NICKNAME_1)[:page],
        ),
        ("client list (counselor)", lambda: client_list(counselor)[:page]),
        ("my caseload (counselor)", lambda: caseload_for(counselor)[:page]),
        (
            "case list active+high (counselor)",
            lambda: caseload_for(counselor, status="active", priority=3)[:page],
        ),
        (
            "case list active+high (supervisor)",
            lambda: caseload_for(supervisor, status="active", priority=3)[:page],
        ),
    ]
    plans = []
    for label, build in queries:
        found = json.loads(build().explain(format="json", analyze=True, buffers=True))[0]
        nodes = list(_walk(found["Plan"]))
        plans.append(
            Plan(
                label=label,
                text=build().explain(analyze=True, buffers=True) if with_text else "",
                rows=found["Plan"]["Actual Rows"],
                execution_ms=found["Execution Time"],
                planning_ms=found["Planning Time"],
                jit_ms=found.get("JIT", {}).get("Timing", {}).get("Total", 0.0),
                seq_scans=[
                    SeqScan(
                        table=node["Relation Name"],
                        rows_read=round(
                            (node["Actual Rows"] + node.get("Rows Removed by Filter", 0))
                            * node["Actual Loops"]
                        ),
                        ms=node["Actual Total Time"] * node["Actual Loops"],
                    )
                    for node in nodes
                    if node["Node Type"] == "Seq Scan"
                ],
                indexes=sorted({node["Index Name"] for node in nodes if "Index Name" in node}),
            )
        )
    return plans


def _walk(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


# --- printing -----------------------------------------------------------------------------


def _setting(name: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) >= 0x1100 else 1 for ch in text)


def print_scale(scale: int, targets: Targets, results: Sequence[Measure], repeat: int) -> None:
    print(
        f"\n== scale {scale}: {targets.counselor.username} (largest caseload) and "
        f"{targets.supervisor.username}; client #{targets.client_pk} "
        f"({targets.client_consultations} consultations), case #{targets.case_pk} "
        f"({targets.case_entries} timeline rows); {repeat} timed runs after a warm-up"
    )
    rows = []
    for r in results:
        flags = []
        if not r.ok:
            flags.append("NOT 200")
        if not r.steady:
            flags.append(f"queries vary {min(r.queries)}-{max(r.queries)}")
        if r.median_ms > SLOW_MS:
            flags.append("slow")
        rows.append(
            [
                r.page.label,
                r.page.role,
                ",".join(str(s) for s in sorted(r.statuses)),
                str(r.query_count),
                f"{r.median_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{statistics.median(r.sql_ms):.1f}",
                "" if r.matches is None else f"{r.matches:,}",
                "; ".join(flags),
            ]
        )
    print(
        _table(
            ["page", "as", "status", "queries", "median ms", "p95 ms", "sql ms", "found", ""],
            rows,
            right={3, 4, 5, 6, 7},
        )
    )


def print_ratios(scales: Sequence[int], by_scale: dict[int, list[Measure]]) -> list[str]:
    """The RATIO table (every scale against the first); returns the problems found."""
    base = scales[0]
    problems = []
    for scale in scales[1:]:
        print(f"\n== RATIO scale {scale} / scale {base}")
        rows = []
        for small, large in zip(by_scale[base], by_scale[scale], strict=True):
            q_ratio = large.query_count / small.query_count if small.query_count else float("nan")
            t_ratio = large.median_ms / small.median_ms if small.median_ms else float("nan")
            verdict = "ok"
            if _empty_page_only(small, large):
                # Not an N+1: the search found nothing at one scale, so that page had no rows
                # to fetch. The statements are listed for the reader all the same.
                verdict = f"ok (found nothing at scale {base if small.matches == 0 else scale})"
            elif large.query_count != small.query_count:
                verdict = "QUERY COUNT CHANGES"
                problems.append(
                    f"{large.page.label} ({large.page.role}): {small.query_count} queries at "
                    f"scale {base}, {large.query_count} at scale {scale}\n"
                    + _statement_diff(small, large, base, scale)
                )
            rows.append(
                [
                    small.page.label,
                    small.page.role,
                    f"{small.query_count}->{large.query_count}",
                    f"{q_ratio:.2f}",
                    f"{t_ratio:.2f}",
                    verdict,
                ]
            )
        print(
            _table(["page", "as", "queries", "queries ratio", "time ratio", ""], rows, right={3, 4})
        )
    return problems


def _empty_page_only(small: Measure, large: Measure) -> bool:
    """The two runs differ by the one row query that a search finding nothing never runs."""
    empty, full = (small, large) if small.matches == 0 else (large, small)
    return (
        empty.matches == 0 and (full.matches or 0) > 0 and empty.query_count + 1 == full.query_count
    )


def print_short_fragments(scales: Sequence[int], by_scale: dict[int, list[Measure]]) -> list[str]:
    """Nickname fragments of one or two characters, largest scale against the first: median
    and p95 time and their growth, against SHORT_FRAGMENT_TARGET. Returns the pages over it
    (printed, not a failure: timings depend on the machine; rerun before concluding)."""
    base, top = scales[0], max(scales)
    if top == base:
        return []
    print(
        f"\n== SHORT NICKNAME FRAGMENTS (1-2 characters), scale {top} / scale {base} "
        f"(target: under {SHORT_FRAGMENT_TARGET:g}x)"
    )
    rows, over = [], []
    for small, large in zip(by_scale[base], by_scale[top], strict=True):
        if not small.page.short:
            continue
        ratio = large.median_ms / small.median_ms if small.median_ms else float("nan")
        p95_ratio = large.p95_ms / small.p95_ms if small.p95_ms else float("nan")
        verdict = "ok" if ratio < SHORT_FRAGMENT_TARGET else "OVER TARGET"
        if verdict != "ok":
            over.append(f"{small.page.label} ({small.page.role}): {ratio:.2f}x")
        rows.append(
            [
                small.page.label,
                small.page.role,
                f"{small.matches or 0:,} -> {large.matches or 0:,}",
                f"{small.median_ms:.1f} -> {large.median_ms:.1f}",
                f"{ratio:.2f}",
                f"{small.p95_ms:.1f} -> {large.p95_ms:.1f}",
                f"{p95_ratio:.2f}",
                verdict,
            ]
        )
    print(
        _table(
            ["page", "as", "found", "median ms", "ratio", "p95 ms", "p95 ratio", ""],
            rows,
            right={4, 6},
        )
    )
    return over


def _statement_diff(small: Measure, large: Measure, base: int, scale: int) -> str:
    """The statements one run has and the other lacks, literals blanked, for the N+1 hunt."""

    def shapes(m: Measure) -> list[str]:
        return [re.sub(r"\b\d+\b|'[^']*'", "?", sql)[:160] for sql in m.statements]

    diff = difflib.unified_diff(
        shapes(small), shapes(large), f"scale {base}", f"scale {scale}", lineterm="", n=0
    )
    return "\n".join(f"      {line}" for line in diff if not line.startswith("@@"))


def print_plans(scale: int, plans: Sequence[Plan], jit: str) -> None:
    print(
        f"\n== EXPLAIN (ANALYZE, BUFFERS) at scale {scale}: the row query of each page "
        f"(server setting jit={jit})"
    )
    rows = []
    for plan in plans:
        by_table: dict[str, list[SeqScan]] = {}
        for scan in plan.seq_scans:
            by_table.setdefault(scan.table, []).append(scan)
        scans = ", ".join(
            f"{table} {sum(s.rows_read for s in found):,} rows "
            f"{sum(s.ms for s in found):.1f} ms{' BIG' if any(s.big for s in found) else ''}"
            for table, found in by_table.items()
        )
        rows.append(
            [
                plan.label,
                str(plan.rows),
                f"{plan.execution_ms:.1f}",
                f"{plan.jit_ms:.1f}",
                scans or "none",
            ]
        )
    print(_table(["query", "rows", "exec ms", "of it JIT", "seq scans"], rows, right={1, 2, 3}))
    print("Indexes used:")
    for plan in plans:
        print(f"  {plan.label}: {', '.join(plan.indexes) or 'none'}")
    for plan in plans:
        if plan.text:
            print(f"\n-- {plan.label}\n{plan.text}")


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="SQL queries and wall time of the main pages at several data volumes."
    )
    parser.add_argument(
        "--scales",
        default="1,100",
        help="comma-separated seed_demo scales, compared with the first (default 1,100)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument("--seed", type=int, default=2022, help="seed_demo seed (default 2022)")
    parser.add_argument(
        "--database",
        help="database to (re)create and seed (default: DATABASE_URL's name if it contains "
        "'bench', else that name + '_bench')",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="skip seeding when the database already holds the demo data at that scale",
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="keep each scale in a database of its own (<database>_s<scale>; with --reuse a "
        "later run skips seeding) and time the short-fragment searches one request at each "
        "scale in turn, so that a passing load on the machine does not fall on one scale only",
    )
    parser.add_argument(
        "--plans", action="store_true", help="print the full EXPLAIN plans, not only a summary"
    )
    args = parser.parse_args(argv)
    try:
        args.scales = [int(s) for s in args.scales.split(",") if s.strip()]
    except ValueError:
        parser.error("--scales takes whole numbers separated by commas, such as 1,100")
    if not args.scales or any(s < 1 for s in args.scales):
        parser.error("--scales takes whole numbers of 1 or more, such as 1,100")
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)  # as settings.py does
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SystemExit(
            "Set DATABASE_URL to the PostgreSQL server to use (or run `make bench`, which "
            "provides one); the benchmark creates its own database there."
        )
    name = bench_database(url, args.database, args.force)
    created = ensure_database(url, name)
    print(f"Database {name}{' (created)' if created else ''}.")
    setup_django(url, name)

    at = datetime.datetime.now(datetime.UTC)  # every scale is measured as of this instant
    print(f"Pages are requested as of {at:%Y-%m-%d %H:%M:%S} UTC at every scale.")
    by_scale: dict[int, list[Measure]] = {}
    prepared: dict[int, tuple[str, Targets, list[Page]]] = {}
    for scale in args.scales:
        if args.interleave:
            database = f"{name}_s{scale}"
            if ensure_database(url, database):
                print(f"Database {database} (created).")
            use_database(database)
        print(f"\n-- seeding scale {scale} (seed {args.seed})")
        reseed(scale=scale, seed=args.seed, reuse=args.reuse)
        targets = choose_targets()
        pages = pages_for(targets)
        if args.interleave:
            prepared[scale] = (database, targets, [p for p in pages if p.short])
        by_scale[scale] = measure(pages, targets, args.repeat, at)
        print_scale(scale, targets, by_scale[scale], args.repeat)
        if scale == max(args.scales):
            plans = explain_main_queries(targets, with_text=args.plans)
            print_plans(scale, plans, _setting("jit"))

    problems = [
        f"{m.page.label} ({m.page.role}) at scale {scale}: status {sorted(m.statuses)}"
        for scale, measures in by_scale.items()
        for m in measures
        if not m.ok
    ]
    problems += print_ratios(args.scales, by_scale)
    if args.interleave and len(args.scales) > 1:
        print("\n-- the short-fragment searches again, interleaved across the scales")
        over = print_short_fragments(args.scales, measure_interleaved(prepared, args.repeat, at))
    else:
        over = print_short_fragments(args.scales, by_scale)
    if over:
        print(
            f"\nShort-fragment searches over the {SHORT_FRAGMENT_TARGET:g}x target (not a "
            "failure, timings vary; rerun with a larger --repeat): " + "; ".join(over)
        )
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("\nOK: every page answered 200 with the same number of queries at every scale.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
