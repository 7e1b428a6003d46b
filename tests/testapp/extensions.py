"""The test app's registrations: one of every extension point of `core.registry`."""

from django.db.models import Q

from core import authz, registry
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
