"""Referrals: who may do what (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry


def _caseworker(user: Any, obj: Any = None) -> bool:
    # Referrals belong to casework: the same people as the client pages, one definition.
    return authz.can(user, "cases.work_with_clients")


def _supervisor(user: Any, obj: Any = None) -> bool:
    return authz.is_supervisor(user)


def _directory_keeper(user: Any, obj: Any = None) -> bool:
    return authz.is_coordinator(user) or authz.is_supervisor(user)


def _directory_reader(user: Any, obj: Any = None) -> bool:
    return _caseworker(user) or authz.is_coordinator(user)


for capability in [
    registry.Capability(
        "referrals.receive_referrals",
        lambda user, obj: authz.is_expert(user) and not authz.can(user, "cases.work_with_clients"),
        "Sees only what is referred to her: experts who do no casework.",
    ),
    registry.Capability(
        "referrals.view_partners",
        _directory_reader,
        "The partner directory: counselors, coordinators, supervisors.",
    ),
    registry.Capability(
        "referrals.manage_partners",
        _directory_keeper,
        "Add, edit, import and deactivate partners: coordinators and supervisors.",
    ),
    registry.Capability(
        "referrals.work_with_referrals",
        _caseworker,
        "Consent, referrals, accompaniments and meetings of her cases: counselors, supervisors.",
    ),
    registry.Capability(
        "referrals.override_consent",
        _supervisor,
        "Send without her consent when life or body is at risk: supervisors.",
    ),
    registry.Capability(
        "referrals.view_provision_records",
        _supervisor,
        "The third-party provision records, per client or period: supervisors.",
    ),
    registry.Capability(
        "referrals.view_referral_figures",
        lambda user, obj: _caseworker(user) or authz.is_coordinator(user),
        "Aggregate referral counts (no case content): counselors, coordinators, supervisors.",
    ),
]:
    registry.capabilities.register(capability)
