"""Labels for the codes the referrals app stores in lists (shared items, services)."""

from __future__ import annotations

from django import template

from ..models import Partner, SharedItem

register = template.Library()


def _labels(codes, choices) -> str:
    labels = dict(choices)
    return "、".join(str(labels.get(code, code)) for code in codes or ())


@register.filter
def item_labels(codes) -> str:
    """「呼び名、年代」 for ["nickname", "age_band"]."""
    return _labels(codes, SharedItem.choices)


@register.filter
def service_labels(codes) -> str:
    return _labels(codes, Partner.Service.choices)
