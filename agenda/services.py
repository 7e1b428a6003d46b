"""Writes of the staff calendar: her feed address made (the old one revoked) or revoked."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz

from .models import CalendarFeedToken
from .selectors import token_hash


@transaction.atomic
def feed_token_create(*, user: User) -> tuple[CalendarFeedToken, str]:
    """A new secret address for her feed; any earlier one stops working. Returns the row and
    the secret, which is stored nowhere (only its hash) and shown to her once."""
    if not authz.can(user, "agenda.use_feed"):
        raise PermissionDenied(_("You cannot have a calendar feed."))
    # Two clicks at once: the user's row lock orders them, so one live address remains.
    User.objects.select_for_update().get(pk=user.pk)
    CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    secret = secrets.token_urlsafe(32)
    row = CalendarFeedToken.objects.create(user=user, token_hash=token_hash(secret))
    return row, secret


@transaction.atomic
def feed_token_revoke(*, user: User) -> int:
    """Stop her feed address; returns how many were live (0 or 1)."""
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def feed_token_touch(token: CalendarFeedToken) -> None:
    """Note when the feed was last read (at most once a minute: calendar apps poll)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
