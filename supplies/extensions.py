"""What the supplies app contributes to the shared extension points (`core.registry`)."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import registry
from core.roles import Role

from . import capabilities, demo, pages, privacy, report, services, timeline  # noqa: F401

registry.timeline_providers.register(
    registry.TimelineProvider(key="supplies", entries=timeline.timeline_entries, order=40)
)

registry.merge_movers.register(
    registry.MergeMover(
        key="supplies",
        move=services.handouts_merge_move,
        preview=services.handouts_merge_preview,
        labels={"supply_handouts": pgettext_lazy("supplies", "Products handed out")},
        order=40,
    )
)

registry.demo_seeders.register(
    registry.DemoSeeder(
        key="supplies",
        seed=demo.seed,
        delete=demo.delete,
        after=("cases", "referrals"),
        tables=demo.tables,
        present=demo.present,
    )
)

registry.client_data.register(
    registry.ClientDataHolder(
        key="supplies",
        label=pgettext_lazy("supplies", "Products handed out"),
        disclose=privacy.disclose,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=40,
    )
)

# Every night: the balances recomputed from the ledger; supervisors told of any difference.
registry.periodic_tasks.register(
    registry.PeriodicTask(
        key="supplies-stock-verify",
        task="supplies.tasks.stock_verify_nightly",
        schedule=crontab(minute="40", hour="3"),
    )
)

# The admin: supervisors read the ledger and the places; nobody edits the ledger there.
registry.grant_models(
    Role.SUPERVISOR,
    "supplies",
    {
        "item": ("view",),
        "place": ("view",),
        "stockmovement": ("view",),
        "stockbalance": ("view",),
        "siterequest": ("view",),
    },
)


# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="supplies",
        title=_("Sanitary products"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        order=30,
    )
)
