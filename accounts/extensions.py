"""What the accounts app contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from core import registry
from core.roles import Role

from . import demo

# --- demo data: the demo logins, which every other demo seeder refers to ----------------------
registry.demo_seeders.register(
    registry.DemoSeeder(key="accounts", seed=demo.seed, delete=demo.delete, tables=demo.tables)
)

# --- the admin: supervisors see the staff accounts ------------------------------------------
registry.grant_models(Role.SUPERVISOR, "accounts", {"user": ("view",)})

# --- the supervisors' menu: staff accounts, in the app --------------------------------------
registry.nav_links.register(
    registry.NavLink(
        "accounts.staff",
        _("Staff accounts"),
        "accounts:staff_list",
        "accounts.manage_staff",
        menu="supervision",
        order=110,
    )
)
