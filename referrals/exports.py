"""The referrals list as a download for supervisors (`core.registry.ListExport`): who was
referred where and how far it went, without the reason, notes or outcome texts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports, registry

from . import selectors
from .models import Partner, Referral, SharedItem


def header() -> list[str]:
    return [
        _("Referral number"), _("Case number"), _("Client number"), _("Partner number"),
        _("Partner"), _("Partner kind"), _("Status"), _("Items shared"), _("Consent"),
        _("Emergency override"), _("Created"), _("Sent"), _("Accepted"), _("Completed"),
        _("Declined or withdrawn"),
    ]  # fmt: skip


def rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """Her visible referrals created in the period (`from`, `to`), of a `status` and a
    `partner_kind` when given. One query."""
    first, last = exports.period_param(params)
    status = exports.choice_param(params, "status", Referral.Status.values)
    kind = exports.choice_param(params, "partner_kind", Partner.Kind.values)
    qs = selectors.referrals_visible_to(user).filter(exports.period_q("created_at", first, last))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(partner__kind=kind)
    statuses = exports.choice_labels(Referral.Status.choices)
    kinds = exports.choice_labels(Partner.Kind.choices)
    items = exports.choice_labels(SharedItem.choices)
    yes = _("yes")
    return (
        [
            r.pk,
            r.case_id,
            r.client_id,
            r.partner_id,
            r.partner.name,
            kinds.get(r.partner.kind, r.partner.kind),
            statuses.get(r.status, r.status),
            "、".join(items.get(code, code) for code in r.shared_items),
            yes if r.consent_id else "",
            yes if r.override_at else "",
            r.created_at,
            r.sent_at,
            r.accepted_at,
            r.completed_at,
            r.closed_at,
        ]  # fmt: skip
        for r in qs.order_by("created_at", "pk").iterator(chunk_size=2000)
    )


registry.list_exports.register(
    registry.ListExport(
        key="referrals.referrals",
        label=gettext_lazy("Referrals"),
        capability="cases.export_lists",
        model="referrals.referral",
        header=header,
        rows=rows,
        stem="referrals",
        list_url_name="referrals:board",
        description=gettext_lazy(
            "Case and client numbers, the partner, status, items shared, consent or emergency "
            "override, and the dates of each step. No reason, notes or outcome text."
        ),
        period=True,
        order=20,
    )
)
