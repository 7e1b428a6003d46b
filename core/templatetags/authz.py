"""`{% load authz %}{% if user|can:"cases.supervise" %}`: templates ask `core.authz` too."""

from __future__ import annotations

from typing import Any

from django import template

from core import authz

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """Whether `user` has `capability` (a kind of page; record-level questions belong in the
    view, which has the record)."""
    return authz.can(user, capability)
