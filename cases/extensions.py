"""What the cases app contributes to the shared extension points (`core.registry`)."""

from core import registry

from . import demo, timeline

registry.timeline_providers.register(
    registry.TimelineProvider(key="cases", entries=timeline.core_entries)
)


# --- demo data: the demo clients and their records, after the staff and calendar they use ---
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="cases",
        seed=demo.seed,
        delete=demo.delete,
        after=("accounts", "openings"),
        tables=demo.tables,
        present=demo.present,
        foreign=demo.foreign,
    )
)
