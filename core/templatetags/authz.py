"""`{% load authz %}{% if user|can:"cases.supervise" %}`: templates ask `core.authz` too."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from core import authz, registry

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """Whether `user` has `capability` (a kind of page; record-level questions belong in the
    view, which has the record)."""
    return authz.can(user, capability)


@register.simple_tag
def nav_links(user: Any, menu: str) -> list[dict[str, str]]:
    """The links of `menu` ("main" or "supervision") this user may follow, as the apps
    register them (`core.registry.nav_links`)."""
    if menu not in registry.NAV_MENUS:
        raise ValueError(f"unknown menu {menu!r}")
    return [
        {"label": link.label, "url": reverse(link.url_name), "accesskey": link.accesskey}
        for link in registry.nav_links
        if link.menu == menu and authz.can(user, link.capability)
    ]


@register.simple_tag
def nav_main_slices() -> tuple[str, str]:
    """Slices of the main links: the first NAV_MAIN_VISIBLE in the bar, the rest under "More",
    so a role with many pages keeps a bar on one line (whatever its links)."""
    n = registry.NAV_MAIN_VISIBLE
    return f":{n}", f"{n}:"
