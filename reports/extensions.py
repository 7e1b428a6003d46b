"""What the reports app contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from core import registry

registry.nav_links.register(
    registry.NavLink(
        "reports.kpi", _("Yearly report"), "reports:kpi", "reports.view_kpi", menu="supervision",
        order=90,
    )
)  # fmt: skip
registry.nav_links.register(
    registry.NavLink(
        "reports.exports", _("Downloads"), "reports:exports", "reports.view_downloads",
        menu="supervision", order=95,
    )
)  # fmt: skip
