"""Merging two client records: her handouts follow her to the record kept. The ledger itself
names no client, so nothing append-only changes."""

from __future__ import annotations

import datetime

from accounts.models import User
from cases.models import Client

from ..models import Handout


def _nonzero(count: int) -> dict[str, int]:
    # Like the other movers: a kind with nothing to move is left out of the merge record.
    return {"supply_handouts": count} if count else {}


def handouts_merge_preview(*, kept: Client, merged: Client) -> dict[str, int]:
    return _nonzero(Handout.objects.filter(client=merged).count())


def handouts_merge_move(
    *, kept: Client, merged: Client, by: User, now: datetime.datetime
) -> dict[str, int]:
    """Runs in the merge's transaction, both client rows locked."""
    return _nonzero(Handout.objects.filter(client=merged).update(client=kept))
