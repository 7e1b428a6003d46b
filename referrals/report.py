"""The referrals app's part of the yearly report, read from `selectors.report_numbers`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_COUNT

from . import selectors
from .models import Partner


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    found = selectors.report_numbers(start, end)
    by_kind = dict.fromkeys(Partner.Kind.values, 0)
    by_kind.update(found["referrals_by_partner_kind"])
    return {
        "referrals": {
            "made": found["referrals_made"],
            "completed": found["referrals_completed"],
            "by_partner_kind": by_kind,
            "accompaniments": found["accompaniments_held"],
        }
    }


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    yield registry.ReportRow(
        "referrals.made", _("Referrals made"), _("Referrals sent to a partner in the period."),
        unit=UNIT_COUNT, people=True,
    )  # fmt: skip
    yield registry.ReportRow(
        "referrals.completed", _("Referrals completed"),
        _("Referrals the partner took up and completed in the period."),
        unit=UNIT_COUNT, people=True,
    )  # fmt: skip
    for code, label in Partner.Kind.choices:
        yield registry.ReportRow(
            f"referrals.by_partner_kind.{code}", label,
            _("Referrals sent in the period to partners of this kind."),
            unit=UNIT_COUNT, people=True,
        )  # fmt: skip
    yield registry.ReportRow(
        "referrals.accompaniments", _("Accompaniments (同行支援)"),
        _("Accompaniments held in the period."), unit=UNIT_COUNT, people=True,
    )  # fmt: skip
