"""What the followups app contributes to the shared extension points (`core.registry`)."""

from core import registry

from . import demo, timeline

registry.timeline_providers.register(
    registry.TimelineProvider(key="followups", entries=timeline.timeline_entries)
)


# --- demo data: follow-ups of the demo clients and cases --------------------------------------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="followups", seed=demo.seed, delete=demo.delete, after=("cases",), tables=demo.tables
    )
)
