"""What the followups app contributes to the shared extension points (`core.registry`)."""

from core import registry

from . import timeline

registry.timeline_providers.register(
    registry.TimelineProvider(key="followups", entries=timeline.timeline_entries)
)
