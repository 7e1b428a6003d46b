"""Reads of notifications: a user only ever sees her own."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from core import authz

from .models import Notification


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_get_for(user: User, pk: int) -> Notification:
    """Her own notification, or 404 (someone else's is indistinguishable from none)."""
    return authz.get_or_deny(notifications_for(user), pk)
