"""`{% load audit %}{{ row|record_label }}`: an access-log row's record in words."""

from __future__ import annotations

from functools import cache

from django import template
from django.apps import apps

register = template.Library()


@cache
def _model_name(object_type: str):
    # "cases.client" names a model; other types ("cases.intake_line") are shown as they are.
    try:
        return apps.get_model(object_type)._meta.verbose_name
    except (LookupError, ValueError):
        return None


@register.filter
def record_label(row) -> str:
    """ "client No.12", or the raw type for a row that names no model."""
    name = _model_name(row.object_type)
    label = str(name) if name is not None else row.object_type
    return f"{label} No.{row.object_id}" if row.object_id else label
