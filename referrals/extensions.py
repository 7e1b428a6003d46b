"""What the referrals app contributes to the shared extension points (`core.registry`)."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import authz, registry
from core.roles import Role
from referrals import exports  # noqa: F401 (registers its list downloads)

from . import demo, pages, privacy, report, selectors, services, timeline  # noqa: F401
from .models import Accompaniment, Referral

registry.timeline_providers.register(
    registry.TimelineProvider(key="referrals", entries=timeline.timeline_entries, order=20)
)

registry.merge_movers.register(
    registry.MergeMover(
        key="referrals",
        move=services.referrals_merge_move,
        preview=services.referrals_merge_preview,
        labels={
            "referral_consents": _("Consents to sharing"),
            "referrals": _("Referrals"),
            "accompaniments": _("Accompaniments"),
            "meeting_cases": _("Women discussed at meetings"),
        },
        order=20,  # after the cases, which the referrals point to
    )
)

registry.demo_seeders.register(
    registry.DemoSeeder(
        key="referrals",
        seed=demo.seed,
        delete=demo.delete,
        after=("cases", "followups"),
        tables=demo.tables,
    )
)


# --- closing a case: open referrals and planned accompaniments ------------------------------
def _case_open_items(case_ids) -> dict[int, list[registry.OpenItem]]:
    ids = list(case_ids)
    found: dict[int, list[registry.OpenItem]] = {}
    referrals = (
        Referral.objects.filter(case_id__in=ids, status__in=Referral.OPEN_STATUSES)
        .select_related("partner", "created_by")
        .order_by("created_at", "pk")
    )
    for r in referrals:
        found.setdefault(r.case_id, []).append(
            registry.OpenItem(
                kind=_("Referral"),
                text=f"{r.partner.name} ({r.get_status_display()})",
                owner=r.created_by,
                due=None,
            )
        )
    accompaniments = Accompaniment.objects.filter(
        case_id__in=ids, status=Accompaniment.Status.PLANNED
    ).order_by("starts_at", "pk")
    for a in accompaniments:
        found.setdefault(a.case_id, []).append(
            registry.OpenItem(kind=_("Accompaniment"), text=a.place, owner=None, due=a.starts_at)
        )
    return found


registry.case_open_items.register(
    registry.CaseOpenItems(
        key="referrals", items=_case_open_items, settle=services.referrals_settle_for_case
    )
)

# --- her APPI rights -----------------------------------------------------------------------
registry.client_data.register(
    registry.ClientDataHolder(
        key="referrals",
        label=_("Referrals"),
        disclose=privacy.disclose,
        anonymise=privacy.anonymise,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=20,
    )
)

# --- the admin: supervisors read the directory, the transitions and the provision records ----
registry.grant_models(
    Role.SUPERVISOR,
    "referrals",
    {
        "partner": ("view",),
        "referraltransition": ("view",),
        "provisionrecord": ("view",),
    },
)


# --- the staff calendar: the accompaniments she goes to ---------------------------------------
def _calendar_entries(user, start, end) -> list[registry.CalendarEntry]:
    """Her planned accompaniments in [start, end) (those she goes to; scoped like the agenda).
    The title says what it is, never where or with whom."""
    if not authz.can(user, "referrals.work_with_referrals"):
        return []
    title = gettext("Accompaniment")
    return [
        registry.CalendarEntry(
            start=a.starts_at,
            end=a.ends_at or a.starts_at + datetime.timedelta(hours=1),
            title=title,
            kind="accompaniment",
            uid=f"referrals-accompaniment-{a.pk}",
            url=reverse("referrals:accompaniment_detail", args=[a.pk]),
        )
        for a in selectors.accompaniments_agenda(user, start=start, end=end)
    ]


registry.calendar_sources.register(
    registry.CalendarSource(
        key="referrals.accompaniments",
        label=_("Accompaniments"),
        entries=_calendar_entries,
        order=40,
    )
)


# --- the yearly report -------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="referrals",
        title=_("Referrals"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        order=60,
    )
)
