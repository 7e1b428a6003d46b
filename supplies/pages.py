"""What the supplies app shows on other apps' pages and in the navigation: the client page's
handouts (with a link to hand products out in one of her consultations), the coordinators'
home block (low stock, pending site requests), and the menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import authz, registry

from . import selectors

SHOWN = 5
CONSULTATIONS_SHOWN = 5


# --- the client page: her recent consultations and what was handed to her (two queries) ------
def _client_section(request, client) -> dict | None:
    if not authz.can(request.user, "supplies.hand_out"):
        return None
    consultations = selectors.recent_consultations(client, CONSULTATIONS_SHOWN)
    handouts = selectors.handouts_of_consultations(request.user, [c.pk for c in consultations])
    return {
        "consultations": [{"obj": c, "handouts": handouts.get(c.pk, [])} for c in consultations],
        "client": client,
    }


registry.page_sections.register(
    registry.PageSection(
        key="supplies.client",
        page="cases.client_detail",
        template="supplies/sections/client.html",
        context=_client_section,
        order=40,
    )
)


# --- home: for coordinators, low stock and site requests waiting -----------------------------
def _home(request, now) -> dict | None:
    user = request.user
    if not (authz.is_coordinator(user) and authz.can(user, "supplies.manage_stock")):
        return None
    low = selectors.low_balances(user)[:SHOWN]
    pending = list(selectors.pending_requests(user)[:SHOWN])
    return {"low": low, "pending": pending}


registry.home_blocks.register(
    registry.HomeBlock(
        key="supplies.coordinator",
        template="supplies/home/coordinator.html",
        context=_home,
        order=40,
    )
)


# --- navigation -------------------------------------------------------------------------------
registry.nav_links.register(
    registry.NavLink(
        "supplies.overview", _("Supplies"), "supplies:overview", "supplies.view_stock", order=70
    )
)
