"""Products handed to her in the consultations of a case, on the case's timeline."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import Case

from . import selectors
from .models import StockMovement


def handout_text(movements) -> str:
    """ "生理用品（28個入）×1、紙袋×1" from the movements of one handout."""
    return pgettext("list separator", ", ").join(
        f"{m.item}×{m.quantity}" for m in movements if m.kind == StockMovement.Kind.HANDOUT
    )


def timeline_entries(case: Case) -> list[dict]:
    """Two queries: her handouts in the case's consultations, and their movements."""
    entries = []
    for handout in selectors.handouts_of_case(case):
        moved = list(handout.movements.all())
        reversed_ = any(m.kind == StockMovement.Kind.REVERSAL for m in moved)
        entries.append(
            {
                "at": handout.handed_at,
                "kind": "supplies_handout",
                "actor": handout.by,
                "title": _("Products handed out (reversed)")
                if reversed_
                else pgettext("supplies", "Products handed out"),
                "body": handout_text(moved),
                "url": reverse("cases:consultation_detail", kwargs={"pk": handout.consultation_id}),
                "object": handout,
            }
        )
    return entries
