"""What the audit app contributes to the shared extension points (`core.registry`)."""

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core import authz, registry
from core.roles import Role

from . import privacy, selectors

# --- the admin: supervisors read the access log (nobody changes it) -------------------------
registry.grant_models(
    Role.SUPERVISOR,
    "audit",
    {"accesslog": ("view",), "securityevent": ("view",), "breakglassaccess": ("view",)},
)


# --- her APPI rights: who accessed her records (disclosed, never anonymised) -----------------
def _register_client_data() -> None:
    registry.client_data.register(
        registry.ClientDataHolder(
            key="audit", label=_("Access log"), disclose=privacy.disclose, order=100
        )
    )


_register_client_data()


# --- "who accessed this record", on the client's and the case's page (supervisors) ----------
def _access_section(records_of):
    def context(request, obj):
        if not authz.can(request.user, "audit.review_access"):
            return None
        records, params = records_of(obj)
        return {
            "rows": selectors.recent_accesses(records),
            "query": urlencode({**params, "start": "2000-01-01T00:00"}),
        }

    return context


def _client_records(client):
    return privacy.her_records_q(client), {"client": client.pk}


def _case_records(case):
    return selectors.record_q("cases.case", case.pk), {"case": case.pk}


registry.page_sections.register(
    registry.PageSection(
        key="audit.client_access",
        page="cases.client_detail",
        template="audit/sections/record_access.html",
        context=_access_section(_client_records),
        order=100,
    )
)
registry.page_sections.register(
    registry.PageSection(
        key="audit.case_access",
        page="cases.case_detail",
        template="audit/sections/record_access.html",
        context=_access_section(_case_records),
        order=100,
    )
)


# --- the supervisors' menu ----------------------------------------------------------------
def _register_nav() -> None:
    for link in [
        registry.NavLink(
            "audit.access_review",
            _("Access review"),
            "audit:access_review",
            "audit.review_access",
            menu="supervision",
            order=80,
        ),
        registry.NavLink(
            "audit.security_events",
            _("Security events"),
            "audit:security_events",
            "audit.review_access",
            menu="supervision",
            order=90,
        ),
    ]:
        registry.nav_links.register(link)


_register_nav()
