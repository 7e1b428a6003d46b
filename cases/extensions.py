"""What the cases app contributes to the shared extension points (`core.registry`)."""

from core import registry

from . import timeline

registry.timeline_providers.register(
    registry.TimelineProvider(key="cases", entries=timeline.core_entries)
)
