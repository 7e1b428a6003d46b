"""Supplies: who may do what (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry


def _keeper(user: Any, obj: Any = None) -> bool:
    return authz.is_coordinator(user) or authz.is_supervisor(user)


def _reader(user: Any, obj: Any = None) -> bool:
    return _keeper(user) or authz.is_counselor(user)


def _hands_out(user: Any, consultation: Any = None) -> bool:
    if not (authz.is_counselor(user) or authz.is_supervisor(user)):
        return False
    return consultation is None or authz.can(user, "cases.view_consultation", consultation)


for capability in [
    registry.Capability(
        "supplies.view_stock",
        _reader,
        "Stock overview, history and distribution figures: counselors, coordinators, supervisors.",
    ),
    registry.Capability(
        "supplies.manage_stock",
        _keeper,
        "Receipts, transfers, distributions, counts, places and site requests: coordinators "
        "and supervisors.",
    ),
    registry.Capability(
        "supplies.adjust_stock",
        _keeper,
        "Adjustments and reversals of the ledger: coordinators and supervisors.",
    ),
    registry.Capability(
        "supplies.hand_out",
        _hands_out,
        "Hand products to a woman in a consultation she may see: counselors, supervisors.",
    ),
]:
    registry.capabilities.register(capability)
