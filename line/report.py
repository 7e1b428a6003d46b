"""The LINE app's part of the yearly report: friends, follows and blocks, messages, those
outside the opening windows, conversations by outcome (`selectors.report_numbers`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_COUNT, UNIT_PEOPLE
from core.time import TOKYO

from . import selectors
from .models import Conversation, WebhookEvent


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    found = dict(selectors.report_numbers(start, end))
    return {"line": {**found}}


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    yield registry.ReportRow(
        "line.friends_at_end", _("Friends at the end of the period (友だち登録者数)"),
        _("LINE users whose latest follow or block at the end of the last day is a follow."),
        unit=UNIT_PEOPLE,
    )  # fmt: skip
    yield registry.ReportRow(
        "line.follows", _("Friends added"),
        _("Follow events in the period, unblocks included (each event once)."), unit=UNIT_COUNT,
    )  # fmt: skip
    yield registry.ReportRow(
        "line.unfollows", _("Blocks"), _("Unfollow (block) events in the period."),
        unit=UNIT_COUNT,
    )  # fmt: skip
    yield registry.ReportRow(
        "line.messages_received", _("Messages received"),
        _("Her messages received in the period, one-to-one only."), unit=UNIT_COUNT,
    )  # fmt: skip
    yield registry.ReportRow(
        "line.messages_outside_hours", _("Messages outside the opening hours"),
        _("Of those, received outside every opening window."), unit=UNIT_COUNT,
    )  # fmt: skip
    for code, label in Conversation.Outcome.choices:
        yield registry.ReportRow(
            f"line.conversations_by_outcome.{code}", label,
            _("Conversations closed in the period with this outcome."), unit=UNIT_COUNT,
        )  # fmt: skip


def follows_by_month(start: datetime.date, end: datetime.date) -> dict[str, int]:
    since, until = selectors.day_bounds(start, end)
    rows = (
        WebhookEvent.objects.filter(
            event_type="follow", occurred_at__gte=since, occurred_at__lt=until
        )
        .exclude(line_user_id="")
        .annotate(month=TruncMonth("occurred_at", tzinfo=TOKYO))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    return {row["month"].strftime("%Y-%m"): row["n"] for row in rows}
