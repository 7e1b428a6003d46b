"""The test app's registrations: one of every extension point of `core.registry`."""

import datetime

from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core import authz, registry
from core.queries import count_of
from core.roles import Role

from . import demo
from .models import Visit

# --- demo data: a few visits to demo clients, deleted by this seeder before they go ----------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="testapp", seed=demo.seed, delete=demo.delete, after=("cases",), tables=demo.tables
    )
)


# --- the case timeline: her visits -------------------------------------------------------------
def timeline_entries(case) -> list[dict]:
    return [
        {"at": v.at, "kind": "visit", "actor": v.recorded_by, "title": f"Visit: {v.place}"}
        for v in Visit.objects.filter(case=case).select_related("recorded_by")
    ]


registry.timeline_providers.register(
    registry.TimelineProvider(key="testapp", entries=timeline_entries)
)


# --- merging: her visits follow her ------------------------------------------------------------
def merge_move(*, kept, merged, by, now) -> dict[str, int]:
    moved = Visit.objects.filter(client=merged).update(client=kept)
    return {"visits": moved} if moved else {}


def merge_preview(*, kept, merged) -> dict[str, int]:
    count = Visit.objects.filter(client=merged).count()
    return {"visits": count} if count else {}


registry.merge_movers.register(
    registry.MergeMover(
        key="testapp", move=merge_move, preview=merge_preview, labels={"visits": "Visits"}
    )
)


# --- the home page: a block for users allowed to see visits ------------------------------------
def home_context(request, now):
    if not authz.can(request.user, "testapp.see_visits"):
        return None
    return {"visits_total": Visit.objects.count()}


registry.home_blocks.register(
    registry.HomeBlock(key="testapp", template="testapp/home_block.html", context=home_context)
)


# --- capabilities, record scopes and admin grants ----------------------------------------------
registry.capabilities.register(
    registry.Capability(
        key="testapp.see_visits",
        check=lambda user, obj: authz.is_expert(user) or authz.is_supervisor(user),
        description="Experts and supervisors see the visit counter.",
    )
)


def visit_scope(user) -> Q | None:
    """An expert sees the women whose visit she recorded (as an app might grant experts)."""
    if not authz.is_expert(user):
        return None
    return Q(pk__in=Visit.objects.filter(recorded_by=user).values("client_id"))


registry.client_scopes.register(registry.ClientScope(key="testapp", q=visit_scope))

registry.grant_models(Role.SUPERVISOR, "testapp", {"visit": ("view",)})


# --- periodic work -----------------------------------------------------------------------------
registry.periodic_tasks.register(
    registry.PeriodicTask(key="testapp-tick", task="tests.testapp.tasks.tick", schedule=300.0)
)


# --- supervisors' figures, record page sections, list columns, admin filters -------------------
registry.supervision_figures.register(
    registry.SupervisionFigure(
        key="visits",
        label="Visits",
        per_counselor=lambda now: count_of(Visit.objects.filter(recorded_by_id=OuterRef("pk"))),
        total=lambda now: count_of(Visit.objects.all()),
        order=90,
    )
)

registry.page_sections.register(
    registry.PageSection(
        key="testapp.client",
        page="cases.client_detail",
        template="testapp/client_section.html",
        context=lambda request, client: {"visits": list(Visit.objects.filter(client=client))},
    )
)

registry.list_columns.register(
    registry.ListColumn(
        key="visit_count",
        list="cases.case_list",
        label="Visits",
        annotation=lambda now: count_of(Visit.objects.filter(case_id=OuterRef("pk"))),
        template="testapp/visit_count_cell.html",
    )
)


class VisitedFilter(admin.SimpleListFilter):
    title = "visited"
    parameter_name = "visited"

    def lookups(self, request, model_admin):
        return [("yes", "Visited")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=Visit.objects.values("client_id"))
        return queryset


registry.admin_filters.register(
    registry.AdminFilter(key="testapp.visited", model="cases.client", filter=VisitedFilter)
)


# --- her APPI rights: her visits are disclosed, anonymised and count as activity ---------------
def disclose_visits(client) -> list[dict]:
    rows = [{"place": v.place, "at": v.at.isoformat()} for v in Visit.objects.filter(client=client)]
    return [{"label": "Visits", "rows": rows}]


def anonymise_visits(client, now) -> dict[str, int]:
    scrubbed = Visit.objects.filter(client=client).exclude(place="").update(place="")
    return {"visits": scrubbed} if scrubbed else {}


registry.client_data.register(
    registry.ClientDataHolder(
        key="testapp",
        label="Visits",
        disclose=disclose_visits,
        anonymise=anonymise_visits,
        last_activity=lambda: Subquery(
            Visit.objects.filter(client_id=OuterRef("pk")).order_by("-at").values("at")[:1]
        ),
        records=lambda client: {
            "testapp.visit": Visit.objects.filter(client=client).values_list("pk", flat=True)
        },
    )
)

# A link in the supervisors' menu (the test app has no pages of its own: it links the admin).
registry.nav_links.register(
    registry.NavLink(
        "testapp.visits",
        "Visits (test app)",
        "admin:index",
        "cases.supervise",
        menu="supervision",
        order=999,
    )
)


# --- closing a case: her visits still to come are open items ---------------------------------
def open_visits(case_ids) -> dict:
    found: dict = {}
    upcoming = Visit.objects.filter(case_id__in=list(case_ids), at__gt=timezone.now())
    for v in upcoming.select_related("recorded_by").order_by("at", "pk"):
        found.setdefault(v.case_id, []).append(
            registry.OpenItem(kind="Visit", text=v.place, owner=v.recorded_by, due=v.at)
        )
    return found


def settle_visits(*, case, outcome, to, reason, by, now) -> dict[str, int]:
    upcoming = Visit.objects.filter(case=case, at__gt=now)
    if outcome == registry.SETTLE_HAND_OVER:
        return {"visits_handed_over": upcoming.update(recorded_by=to)}
    return {"visits_cancelled": upcoming.delete()[0]}


registry.case_open_items.register(
    registry.CaseOpenItems(key="testapp", items=open_visits, settle=settle_visits)
)


# --- the staff calendar: the visits the expert recorded, titled without the place ------------
def visit_calendar_entries(user, start, end) -> list[registry.CalendarEntry]:
    if not authz.can(user, "testapp.see_visits"):
        return []
    return [
        registry.CalendarEntry(
            start=v.at,
            end=v.at + datetime.timedelta(hours=1),
            title="Visit",
            kind="visit",
            uid=f"testapp-visit-{v.pk}",
        )
        for v in Visit.objects.filter(at__gte=start, at__lt=end).order_by("at", "pk")
    ]


registry.calendar_sources.register(
    registry.CalendarSource(
        key="testapp.visits", label="Visits", entries=visit_calendar_entries, order=999
    )
)


# --- a list download: the visits, by number and time (never the place, a free text) --------
def visit_export_rows(user, params):
    from core import exports

    first, last = exports.period_param(params)
    if not authz.is_supervisor(user):
        return iter(())
    visits = Visit.objects.filter(exports.period_q("at", first, last)).order_by("at", "pk")
    return ([v.pk, v.client_id, v.at] for v in visits.iterator())


registry.list_exports.register(
    registry.ListExport(
        key="testapp.visits",
        label="Visits",
        capability="cases.export_lists",
        model="testapp.visit",
        header=lambda: ["visit", "client", "at"],
        rows=visit_export_rows,
        period=True,
        order=999,
    )
)
