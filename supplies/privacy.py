"""What the supplies app holds about a client, for her APPI rights: the products handed to her
(when, in which consultation, what). No free text is kept about her, so anonymisation has
nothing to scrub; the handouts stay, as figures of the programme."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.privacy import family_of, latest_of, section

from .models import Handout
from .timeline import handout_text


def disclose(client) -> list[dict[str, Any]]:
    """Two queries: her handouts and their movements."""
    handouts = (
        Handout.objects.filter(client_id__in=family_of(client))
        .prefetch_related("movements__item")
        .order_by("handed_at", "pk")
    )
    return [
        section(
            pgettext("supplies", "Products handed out"),
            [
                {
                    _("handed out at"): h.handed_at.isoformat(),
                    _("consultation"): f"#{h.consultation_id}",
                    _("products"): handout_text(h.movements.all()),
                }
                for h in handouts
            ],
        )
    ]


def last_activity():
    return latest_of(Handout.objects.filter(client_id=OuterRef("pk")), "handed_at")


def records(client) -> dict[str, list[int]]:
    return {
        "supplies.handout": list(
            Handout.objects.filter(client_id__in=family_of(client)).values_list("pk", flat=True)
        )
    }
