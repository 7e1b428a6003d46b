"""Query pieces for counts that every app's figures share."""

from __future__ import annotations

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of all of `queryset`'s rows as a scalar subquery (0 when there are none):
    for a correlated count (`filter(user_id=OuterRef("pk"))`) or a programme-wide total."""
    counted = (
        queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
