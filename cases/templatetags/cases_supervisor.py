"""`{% supervisor_summary %}`: the supervisor's three numbers, for the home page.

Counts only (no personal data), so no access log. Renders nothing for anyone else.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..selectors.supervisor import supervisor_summary as summary_for

register = template.Library()


@register.inclusion_tag("cases/supervisor/_summary_block.html", takes_context=True)
def supervisor_summary(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_supervisor:
        return {"summary": None}
    now = timezone.now()
    return {"summary": summary_for(user=user, now=now), "now": now}
