"""What each role may do with clients, consultations and cases (asked through `core.authz`).

Record-level questions delegate to the scoped selectors of `cases.selectors.access`, which stay
the truth for queries: a record is "hers" exactly when her scoped queryset holds it.
"""

from __future__ import annotations

from typing import Any

from core import authz, registry

from .models import Client
from .selectors.access import cases_visible_to, clients_visible_to, consultations_visible_to


def _caseworker(user: Any, obj: Any = None) -> bool:
    # Counselors and supervisors work with clients, cases and follow-ups; coordinators see
    # counts only, and experts only what is referred to them.
    return authz.is_counselor(user) or authz.is_supervisor(user)


def _supervisor(user: Any, obj: Any = None) -> bool:
    return authz.is_supervisor(user)


def _sees(visible):
    def check(user: Any, obj: Any) -> bool:
        return obj is not None and _caseworker(user) and visible(user).filter(pk=obj.pk).exists()

    return check


def _break_glass(user: Any, client: Any) -> bool:
    """A counselor opens, stating why, the record of an unmerged client outside her scope (a
    woman in the intake queue, or one found by the intake search). A supervisor sees every
    record and never needs to."""
    return (
        authz.is_counselor(user)
        and not authz.is_supervisor(user)
        and client is not None
        and Client.objects.exclude(status=Client.Status.MERGED).filter(pk=client.pk).exists()
        and not clients_visible_to(user).filter(pk=client.pk).exists()
    )


def _take_on(user: Any, client: Any) -> bool:
    """A counselor takes on an active client from the intake queue (nobody assigned yet)."""
    return (
        authz.is_counselor(user)
        and client is not None
        and client.status == Client.Status.ACTIVE
        and not client.counselors.all()  # the prefetched team where the page has it
    )


for capability in [
    registry.Capability(
        "cases.work_with_clients",
        _caseworker,
        "The client, case and follow-up pages: counselors and supervisors.",
    ),
    registry.Capability(
        "cases.view_client", _sees(clients_visible_to), "This client is in her scope."
    ),
    registry.Capability("cases.view_case", _sees(cases_visible_to), "This case is in her scope."),
    registry.Capability(
        "cases.view_consultation",
        _sees(consultations_visible_to),
        "This consultation's client is in her scope.",
    ),
    registry.Capability(
        "cases.assign_counselors", _supervisor, "Set any client's counselors: supervisors."
    ),
    registry.Capability("cases.take_on_client", _take_on, "Take on a queued client: counselors."),
    registry.Capability(
        "cases.break_glass_client",
        _break_glass,
        "Open, with a stated reason, a record outside her scope: counselors.",
    ),
    registry.Capability(
        "cases.review_break_glass",
        _supervisor,
        "The list of break-glass openings: supervisors.",
    ),
    registry.Capability("cases.merge_clients", _supervisor, "Merge duplicates: supervisors."),
    registry.Capability(
        "cases.approve_closure", _supervisor, "Decide on closing a case: supervisors."
    ),
    registry.Capability("cases.reopen_case", _supervisor, "Reopen a closed case: supervisors."),
    registry.Capability(
        "cases.export_lists",
        _supervisor,
        "Download the client, case and consultation lists (no free text): supervisors.",
    ),
    registry.Capability(
        "cases.supervise",
        _supervisor,
        "Caseload per counselor, risk board, closing requests, the summary: supervisors.",
    ),
]:
    registry.capabilities.register(capability)
