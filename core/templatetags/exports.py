"""`{% load exports %}{% export_buttons "activities.sessions" %}`: a list page's download
buttons (CSV, XLSX) for a registered list (`core.registry.list_exports`), carrying the page's
filters; nothing for a user who may not download it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from core import authz, registry

register = template.Library()

NOT_FILTERS = ("page", "format", "tab")  # paging and the page's own view, not the list's filters


@register.inclusion_tag("exports/_buttons.html", takes_context=True)
def export_buttons(context: template.Context, key: str) -> dict[str, Any]:
    export = registry.list_exports.get(key)
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not authz.can(user, export.capability):
        return {"export": None}
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    base = reverse(f"reports:export_{key}")
    rest = f"&{query.urlencode()}" if query else ""
    return {
        "export": export,
        "csv": f"{base}?format=csv{rest}",
        "xlsx": f"{base}?format=xlsx{rest}",
    }
