"""What the accounts app contributes to the shared extension points (`core.registry`)."""

from core import registry
from core.roles import Role

from . import demo

# --- demo data: the demo logins, which every other demo seeder refers to ----------------------
registry.demo_seeders.register(
    registry.DemoSeeder(key="accounts", seed=demo.seed, delete=demo.delete, tables=demo.tables)
)

# --- the admin: supervisors see the staff accounts ------------------------------------------
registry.grant_models(Role.SUPERVISOR, "accounts", {"user": ("view",)})
