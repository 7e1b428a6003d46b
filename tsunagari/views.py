import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import registry

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
    """Each role's start page: the blocks the apps register (`core.registry.home_blocks`),
    each deciding for itself whether it is for this user. Counts and links, no case content."""
    now = timezone.now()
    blocks = []
    for block in registry.home_blocks:
        context = block.context(request, now)
        if context is not None:
            blocks.append((block.template, context))
    return render(request, "home.html", {"blocks": blocks})
