from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.decorators import logs_access
from core.paging import paginate

from . import services
from .models import Notification
from .selectors import notification_get_for, notifications_for


@require_GET
@login_required
@logs_access("list", Notification)  # titles may name a client
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, notifications_for(request.user))
    return render(request, "notifications/notification_list.html", {"page_obj": page})


@require_POST
@login_required
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read, then follow the link, but only to a path inside this site."""
    notification = notification_get_for(request.user, pk)
    services.notification_mark_read(notification=notification, by=request.user)
    if services.is_internal_path(notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")
