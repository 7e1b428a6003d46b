"""What the referrals app shows on other apps' pages and in the navigation, registered through
`core.registry`: the case page's referrals and accompaniments, the client page's consents to
sharing, the home block of what is waiting, and the menu entries."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from audit.decorators import AccessSpec, declare
from audit.models import AccessLog
from core import authz, registry
from core.time import local_date, start_of_day

from . import selectors
from .models import Referral

HOME_SHOWN = 5


# --- the case page: its referrals and accompaniments (two queries) ---------------------------
def _case_section(request, case) -> dict | None:
    if not authz.can(request.user, "referrals.work_with_referrals"):
        return None
    referrals = list(selectors.case_referrals(request.user, case))
    # The section names no counselor: no prefetch of who goes.
    accompaniments = list(selectors.case_accompaniments(request.user, case).prefetch_related(None))
    closed = case.status == case.Status.CLOSED
    if closed and not referrals and not accompaniments:
        return None
    query = urlencode({"case": case.pk})
    return {
        "referrals": referrals,
        "accompaniments": accompaniments,
        "new_referral_url": "" if closed else f"{reverse('referrals:create')}?{query}",
        "book_url": "" if closed else f"{reverse('referrals:accompaniment_book')}?{query}",
    }


registry.page_sections.register(
    registry.PageSection(
        key="referrals.case",
        page="cases.case_detail",
        template="referrals/sections/case.html",
        context=_case_section,
        order=20,
    )
)


# --- the client page: her consents to sharing (one query) ------------------------------------
def _client_section(request, client) -> dict | None:
    if not authz.can(request.user, "referrals.work_with_referrals"):
        return None
    return {
        "consents": list(selectors.consents_for(request.user, client)),
        "record_url": reverse("referrals:consent_record", kwargs={"pk": client.pk}),
        "client": client,
    }


registry.page_sections.register(
    registry.PageSection(
        key="referrals.client",
        page="cases.client_detail",
        template="referrals/sections/client.html",
        context=_client_section,
        order=20,
    )
)


# --- home: referrals waiting for the partner's answer, accompaniments in the next week -------
def _home(request, now) -> dict | None:
    user = request.user
    if not authz.is_counselor(user):
        return None
    waiting = list(
        selectors.referrals_visible_to(user)
        .filter(status=Referral.Status.SENT, sent_by=user)
        .order_by("sent_at", "pk")[:HOME_SHOWN]
    )
    today = start_of_day(local_date(now))
    soon = list(
        selectors.accompaniments_agenda(user, start=today, end=today + datetime.timedelta(days=7))[
            :HOME_SHOWN
        ]
    )
    if not waiting and not soon:
        return None
    # The block names her clients: the home page shows referrals.
    declare(request, AccessSpec(AccessLog.Action.LIST, "referrals.referral"), {})
    return {"waiting": waiting, "soon": soon, "now": now}


registry.home_blocks.register(
    registry.HomeBlock(
        key="referrals.mine", template="referrals/home/mine.html", context=_home, order=30
    )
)


# --- navigation -------------------------------------------------------------------------------
for link in [
    registry.NavLink(
        "referrals.board",
        _("Referrals"),
        "referrals:board",
        "referrals.work_with_referrals",
        order=50,
    ),
    registry.NavLink(
        "referrals.partners",
        _("Partners"),
        "referrals:partners",
        "referrals.view_partners",
        order=60,
    ),
    registry.NavLink(
        "referrals.meetings",
        _("Coordination meetings"),
        "referrals:meetings",
        "referrals.work_with_referrals",
        menu="supervision",
        order=60,
    ),
    registry.NavLink(
        "referrals.summary",
        _("Referral figures"),
        "referrals:summary",
        "referrals.view_referral_figures",
        menu="supervision",
        order=61,
    ),
    registry.NavLink(
        "referrals.provisions",
        _("Third-party provision records"),
        "referrals:provisions",
        "referrals.view_provision_records",
        menu="supervision",
        order=62,
    ),
]:
    registry.nav_links.register(link)
