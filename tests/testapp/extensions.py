"""The test app's registrations: one of every extension point of `core.registry`."""

from core import registry

from . import demo

# --- demo data: a few visits to demo clients, deleted by this seeder before they go ----------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="testapp", seed=demo.seed, delete=demo.delete, after=("cases",), tables=demo.tables
    )
)
