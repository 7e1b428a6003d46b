"""Which kinds of page each role has: the one place views and selectors ask.

Which clients and cases a user may see is scoped in `cases.selectors.access`; these rules only
say whether a role works with a kind of record at all. A page a role does not have answers 404,
never 403, so it gives no hint that it exists.
"""

from __future__ import annotations

from django.http import Http404

from .models import User


def is_caseworker(user: User) -> bool:
    """Counselors and supervisors work with clients, cases and follow-ups; coordinators see
    counts only, and experts only what is referred to them."""
    return user.is_authenticated and (user.is_counselor or user.is_supervisor)


def require_caseworker(user: User) -> None:
    if not is_caseworker(user):
        raise Http404


def require_supervisor(user: User) -> None:
    if not (user.is_authenticated and user.is_supervisor):
        raise Http404
