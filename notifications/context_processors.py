from django.utils.functional import SimpleLazyObject, new_method_proxy

from .models import Notification


class LazyCount(SimpleLazyObject):
    """An int computed on first use, once: pages that show no badge pay no query."""

    __int__ = new_method_proxy(int)
    __index__ = new_method_proxy(int)


def unread_count(request) -> dict:
    """`unread_notifications` for the navigation badge: one COUNT, only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "unread_notifications": LazyCount(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
