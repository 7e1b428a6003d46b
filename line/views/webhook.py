"""`POST /line/webhook/`: LINE's deliveries, verified, stored, answered fast.

Order of checks: size (413), signature (401 missing / 403 wrong, a security event without the
body), shape (400), then one INSERT for the batch and 200. Processing happens in Celery after
commit. A database that is down answers 503, so that LINE redelivers.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import SecurityEvent
from audit.services import security_event_record

from .. import webhook
from ..services.events import events_store

logger = logging.getLogger(__name__)


def _reject(request, status: int, detail: str) -> HttpResponse:
    try:
        security_event_record(
            kind=SecurityEvent.Kind.WEBHOOK_REJECTED, request=request, detail=f"LINE: {detail}"
        )
    except DatabaseError:
        logger.warning("LINE webhook rejected (%s); the security event could not be stored", detail)
    return HttpResponse(status=status)


def _read(request) -> bytes | None:
    """The body, or None when it is over the limit (read no further than the limit)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > webhook.BODY_MAX:
        return None
    body = request.read(webhook.BODY_MAX + 1)
    return None if len(body) > webhook.BODY_MAX else body


@csrf_exempt
@require_POST
def line_webhook(request):
    body = _read(request)
    if body is None:
        return HttpResponse(status=413)
    signature = request.headers.get("x-line-signature", "")
    if not signature:
        return _reject(request, 401, "missing signature")
    if not webhook.signature_valid(body, signature, settings.LINE_CHANNEL_SECRET):
        return _reject(request, 403, "bad signature")
    try:
        events = webhook.parse(body)
    except webhook.Malformed as exc:
        logger.info("LINE webhook: malformed delivery (%s)", exc)
        return JsonResponse({"error": "malformed"}, status=400)
    try:
        events_store(events)
    except DatabaseError as exc:
        logger.error(
            "LINE webhook: events not stored (%s); LINE will redeliver", type(exc).__name__
        )
        return JsonResponse({"error": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
