"""What is still open on a case when it is closed (終結): its own support actions not done, and
whatever other apps register in `core.registry.case_open_items` (follow-ups, ...).

The closing request lists them for the counselor, the approval for the supervisor, and
`case_approve_closure` settles them (cancelled or handed over, with the reason) in its own
transaction, so a closed case leaves nothing in anyone's list without a recorded decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import registry
from core.registry import OpenItem

from .models import Case, SupportAction


def _action_item(action: SupportAction) -> OpenItem:
    return OpenItem(
        kind=_("Support action"),
        text=action.description,
        owner=action.owner,
        due=action.due_on,
        url=reverse("cases:case_detail", kwargs={"pk": action.case_id}),
    )


def open_items_of(cases: Sequence[Case]) -> dict[int, list[OpenItem]]:
    """{case id: its open items} for every case given (one query per registered app, and one
    for the support actions unless the cases carry them prefetched, as the case page does)."""
    ids = [case.pk for case in cases]
    found: dict[int, list[OpenItem]] = {pk: [] for pk in ids}
    prefetched = [c for c in cases if "actions" in getattr(c, "_prefetched_objects_cache", {})]
    for case in prefetched:
        found[case.pk] += [_action_item(a) for a in case.actions.all() if a.done_at is None]
    rest = [c.pk for c in cases if c not in prefetched]
    if rest:
        actions = SupportAction.objects.filter(case_id__in=rest, done_at__isnull=True)
        for action in actions.select_related("owner").order_by("due_on", "pk"):
            found[action.case_id].append(_action_item(action))
    for provider in registry.case_open_items:
        for case_id, items in provider.items(ids).items():
            found.setdefault(case_id, []).extend(items)
    return found


def open_items_for(case: Case) -> list[OpenItem]:
    return open_items_of([case])[case.pk]


def settle_open_items(*, case: Case, outcome: str, to, reason: str, by, now) -> dict[str, int]:
    """Run every registered app's settlement of the case's open items; {label: count}.

    The case's own support actions are not changed: a closed case's plan is read-only, and the
    closing event records which were left undone and why.
    """
    settled: dict[str, int] = {}
    for provider in registry.case_open_items:
        for label, count in provider.settle(
            case=case, outcome=outcome, to=to, reason=reason, by=by, now=now
        ).items():
            if count:
                settled[label] = settled.get(label, 0) + count
    return settled


def undone_action_ids(case: Case) -> list[int]:
    return list(
        SupportAction.objects.filter(case=case, done_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
