"""What the openings app contributes to the shared extension points (`core.registry`)."""

from core import registry

from . import demo

# --- demo data: the FY2022 opening calendar the demo consultations point at -------------------
registry.demo_seeders.register(
    registry.DemoSeeder(key="openings", seed=demo.seed, delete=demo.delete, tables=demo.tables)
)
