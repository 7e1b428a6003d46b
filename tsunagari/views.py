import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.selectors.dashboard import counselor_dashboard, programme_counts
from openings.models import Channel
from openings.selectors import next_opening, opening_at

from .redis import redis_client

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request):
    """Database and Redis status for load balancers and compose healthchecks."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log only
        logger.warning("healthz: database check failed: %s", type(exc).__name__)
        status["database"] = "error"
    try:
        redis_client(timeout=1.0).ping()
        status["redis"] = "ok"
    except Exception as exc:
        logger.warning("healthz: redis check failed: %s", type(exc).__name__)
        status["redis"] = "error"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503
    )


@login_required
def home(request):
    """Each role's start page: counts and links only, never case content."""
    user = request.user
    now = timezone.now()
    current = opening_at(now, Channel.LINE)
    context = {
        "current": current,
        "upcoming": None if current else next_opening(Channel.LINE, after=now),
    }
    if user.is_counselor:
        context["mine"] = counselor_dashboard(user=user, now=now)
    if user.is_coordinator or user.is_supervisor:
        context["programme"] = programme_counts(now=now)
    return render(request, "home.html", context)
