"""What the privacy app contributes to the shared extension points (`core.registry`)."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from core import authz, registry
from core.roles import Role

from . import demo
from .selectors import client_privacy_summary

# --- the retention job: daily, at night ---------------------------------------------------
registry.periodic_tasks.register(
    registry.PeriodicTask(
        key="privacy-retention-anonymise",
        task="privacy.tasks.retention_anonymise",
        schedule=crontab(hour=2, minute=30),  # CELERY_TIMEZONE: Asia/Tokyo
    )
)


# --- the client's page: consent withdrawal, erasure, disclosure (one query) -------------------
def _client_section(request, client) -> dict:
    user = request.user
    return {
        "summary": client_privacy_summary(client),
        "client": client,
        "may_disclose": authz.is_supervisor(user),
        "may_request": client.status != client.Status.MERGED,
    }


registry.page_sections.register(
    registry.PageSection(
        key="privacy.client",
        page="cases.client_detail",
        template="privacy/sections/client.html",
        context=_client_section,
        order=90,
    )
)


registry.nav_links.register(
    registry.NavLink(
        "privacy.erasure_queue",
        _("Erasure requests"),
        "privacy:erasure_queue",
        "privacy.decide_erasure",
        menu="supervision",
        order=70,
    )
)


# --- the admin: supervisors read her rights' records (the services alone change them) --------
registry.grant_models(
    Role.SUPERVISOR,
    "privacy",
    {
        "erasurerequest": ("view",),
        "consentwithdrawal": ("view",),
        "anonymisationrecord": ("view",),
    },
)


# --- demo data: one erasure request to decide, one consent withdrawal; --reset removes them ---
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="privacy",
        seed=demo.seed,
        delete=demo.delete,
        after=("cases",),
        tables=demo.tables,
    )
)
