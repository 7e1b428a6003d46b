"""Outreach broadcasts (SNSを活用したアウトリーチ): composed by a coordinator, approved by a
supervisor, sent through LINE's multicast API.

The database is the truth. Approval freezes the recipients into batches of at most 500 LINE
user ids, each with its own retry key, then enqueues the sending task after commit. The task
sends the pending batches one by one, each in a transaction holding the broadcast's row, with
the batch's `X-Line-Retry-Key`: 200 and 409 (LINE already took that key) mark the batch sent;
429, 5xx and timeouts stop the run and schedule a retry with backoff, which resumes from the
first unsent batch; any other answer fails that batch with its reason. A periodic sweep
resumes broadcasts left sending (a lost task, a worker that died).

The month's message quota is checked against the recipients when a supervisor approves and
again before the first batch (and on every resume, for what is left): a send that would go
over it is refused, and so is one whose quota LINE would not tell us.
"""

from __future__ import annotations

import datetime
import logging
import struct
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from linebot.v3.messaging import ImageMessage, MulticastRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from accounts.models import User
from core import authz
from core.choices import Ward
from line import api

from .. import selectors
from ..models import (
    BATCH_MAX,
    BROADCAST_TEXT_MAX,
    IMAGE_MAX_BYTES,
    STATIC_IMAGES,
    Broadcast,
    BroadcastBatch,
)

logger = logging.getLogger(__name__)

# Attempts at one batch before it is given up (429, 5xx, timeouts).
SEND_MAX_ATTEMPTS = 5
BACKOFF_BASE = 5.0  # seconds before retry n: BACKOFF_BASE * 2**(n-1), at most BACKOFF_MAX
BACKOFF_MAX = 600.0
# Multicast allows 200 requests a second; a short pause keeps us far below it.
BATCH_PAUSE = 0.05
EDITABLE = (Broadcast.Status.DRAFT,)


# --- the month's quota -------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """LINE's answer for this month: `limit` None means no limit; `known` False means LINE
    could not be asked (then nothing is sent)."""

    known: bool
    limit: int | None = None
    used: int = 0

    @property
    def remaining(self) -> int | None:
        if not self.known or self.limit is None:
            return None
        return max(0, self.limit - self.used)

    def allows(self, count: int) -> bool:
        return self.known and (self.limit is None or count <= self.remaining)


def quota_get() -> Quota:
    """The month's message quota and consumption, from LINE (two requests)."""
    if not settings.LINE_CHANNEL_ACCESS_TOKEN:
        return Quota(known=False)
    try:
        with api.messaging_api() as line:
            quota = line.get_message_quota(_request_timeout=api.TIMEOUT)
            used = line.get_message_quota_consumption(_request_timeout=api.TIMEOUT)
    except Exception as exc:  # noqa: BLE001 (the SDK, urllib3 and pydantic raise several kinds)
        logger.warning("LINE quota not known: %s", type(exc).__name__)
        return Quota(known=False)
    limit = quota.value if quota.type == "limited" else None
    return Quota(known=True, limit=limit, used=used.total_usage or 0)


def quota_problem(quota: Quota, count: int) -> str | None:
    """What a supervisor reads when `count` messages may not be sent now, else None."""
    if not quota.known:
        return _("LINE's message quota could not be checked, so the broadcast cannot be sent now.")
    if not quota.allows(count):
        return _(
            "This broadcast would go to %(count)s friends, but only %(remaining)s messages "
            "are left in this month's quota."
        ) % {"count": count, "remaining": quota.remaining}
    return None


# --- the image -----------------------------------------------------------------------------------


def image_sniff(data: bytes) -> str | None:
    """ "image/jpeg" or "image/png" when the bytes are one (by their structure, not their
    name), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) > 33:
        width, height = struct.unpack(">II", data[16:24])
        if width and height and data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"):
            return "image/png"
        return None
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-16:]:
        # A start-of-frame marker gives the size: a JPEG without one is not a picture.
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "image/jpeg" if width and height else None
            if marker == 0xDA:  # the scan starts before any frame header
                return None
            i += 2 + length
    return None


def image_url(broadcast: Broadcast) -> str | None:
    """The https address LINE fetches the image from, or None without an image."""
    base = settings.SITE_URL.rstrip("/")
    if broadcast.static_image:
        return base + static(broadcast.static_image)
    if broadcast.image_key:
        return base + reverse("linecare:broadcast_image", kwargs={"key": broadcast.image_key})
    return None


def _image_problem(broadcast: Broadcast) -> str | None:
    url = image_url(broadcast)
    if url is not None and not url.startswith("https://"):
        return _("LINE takes images only from an https address; the site's address is not one.")
    return None


# --- composing and approving ------------------------------------------------------------------


def _require(by: User, capability: str, message: str) -> None:
    if not authz.can(by, capability):
        raise PermissionDenied(message)


def _clean(
    *,
    title: str,
    text: str,
    segment: str,
    ward: str,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    static_image: str,
) -> dict:
    errors: dict[str, str] = {}
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        errors["title"] = _("Give the broadcast a title (staff see it, friends do not).")
    if not text:
        errors["text"] = _("Write the message.")
    elif len(text) > BROADCAST_TEXT_MAX:
        errors["text"] = _("LINE takes at most %(n)s characters.") % {"n": BROADCAST_TEXT_MAX}
    if segment not in Broadcast.Segment.values:
        errors["segment"] = _("Choose who receives it.")
    if segment == Broadcast.Segment.WARD and ward not in Ward.values:
        errors["ward"] = _("Choose the ward.")
    if static_image and static_image not in STATIC_IMAGES:
        errors["static_image"] = _("Choose one of the images offered.")
    if period_start and period_end and period_start > period_end:
        errors["period_end"] = _("The end of the period is before its start.")
    if segment == Broadcast.Segment.FOLLOWED_BETWEEN and not (period_start or period_end):
        errors["period_start"] = _("Give the period in which they added the account.")
    if errors:
        raise ValidationError(errors, code="invalid")
    keeps_period = segment in (Broadcast.Segment.PEER_SUPPORT, Broadcast.Segment.FOLLOWED_BETWEEN)
    return {
        "title": title[:100],
        "text": text,
        "segment": segment,
        "ward": ward if segment == Broadcast.Segment.WARD else "",
        "period_start": period_start if keeps_period else None,
        "period_end": period_end if keeps_period else None,
        "static_image": static_image or "",
    }


@transaction.atomic
def broadcast_save(
    *,
    by: User,
    broadcast: Broadcast | None = None,
    title: str,
    text: str,
    segment: str,
    ward: str = "",
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    static_image: str = "",
    upload: bytes | None = None,
    remove_image: bool = False,
) -> Broadcast:
    """A new draft, or a draft changed. `upload` is an image's bytes (JPEG or PNG, at most
    10 MB, checked by content); choosing a library image or `remove_image` drops it."""
    _require(by, "linecare.compose_broadcasts", _("Only coordinators compose broadcasts."))
    fields = _clean(
        title=title,
        text=text,
        segment=segment,
        ward=ward,
        period_start=period_start,
        period_end=period_end,
        static_image=static_image,
    )
    image_type = ""
    if upload is not None:
        if len(upload) > IMAGE_MAX_BYTES:
            raise ValidationError({"image": _("The image is larger than 10 MB.")}, code="size")
        image_type = image_sniff(upload) or ""
        if not image_type:
            raise ValidationError({"image": _("Upload a JPEG or PNG picture.")}, code="type")
        if fields["static_image"]:
            raise ValidationError(
                {"image": _("Choose a library image or upload one, not both.")}, code="two"
            )
    if broadcast is None:
        broadcast = Broadcast(created_by=by)
    else:
        # Two people editing the draft, or an edit racing its submission: one after the other.
        broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status not in EDITABLE:
            raise ValidationError(_("Only a draft can be changed."), code="not_draft")
    for name, value in fields.items():
        setattr(broadcast, name, value)
    if upload is not None:
        broadcast.image_data, broadcast.image_type, broadcast.image_key = (
            upload,
            image_type,
            uuid.uuid4(),
        )
    elif remove_image or fields["static_image"]:
        broadcast.image_data, broadcast.image_type, broadcast.image_key = None, "", None
    broadcast.save()
    return broadcast


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update().defer("image_data").get(pk=broadcast.pk)


@transaction.atomic
def broadcast_submit(*, broadcast: Broadcast, by: User) -> Broadcast:
    """The draft goes to the supervisors for approval."""
    _require(by, "linecare.compose_broadcasts", _("Only coordinators compose broadcasts."))
    # A submission racing an edit or a second click: one after the other.
    broadcast = _locked(broadcast)
    if broadcast.status != Broadcast.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."), code="not_draft")
    if not selectors.broadcast_recipients(broadcast).exists():
        raise ValidationError(_("No friend is in this group of recipients."), code="nobody")
    broadcast.status = Broadcast.Status.SUBMITTED
    broadcast.submitted_at = timezone.now()
    broadcast.returned_reason = ""
    broadcast.save(update_fields=["status", "submitted_at", "returned_reason", "updated_at"])
    return broadcast


def _require_approver(broadcast: Broadcast, by: User) -> None:
    _require(by, "linecare.approve_broadcasts", _("Only supervisors approve broadcasts."))
    if broadcast.created_by_id == by.pk:
        raise ValidationError(
            _("Another supervisor approves it: not the one who wrote it."), code="author"
        )


@transaction.atomic
def broadcast_return(*, broadcast: Broadcast, by: User, reason: str) -> Broadcast:
    """A supervisor sends it back to its author as a draft, saying why."""
    broadcast = _locked(broadcast)
    _require(by, "linecare.approve_broadcasts", _("Only supervisors approve broadcasts."))
    if broadcast.status != Broadcast.Status.SUBMITTED:
        raise ValidationError(_("This broadcast is not awaiting approval."), code="not_submitted")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what should change.")}, code="reason")
    broadcast.status = Broadcast.Status.DRAFT
    broadcast.returned_reason = reason[:300]
    broadcast.submitted_at = None
    broadcast.save(update_fields=["status", "returned_reason", "submitted_at", "updated_at"])
    return broadcast


@transaction.atomic
def broadcast_approve(*, broadcast: Broadcast, by: User, quota: Quota | None = None) -> Broadcast:
    """A supervisor other than the author approves: the recipients are frozen into batches
    and the sending starts after commit. Refused when the month's quota would not cover it
    (or LINE would not say)."""
    from ..tasks import send_broadcast

    # Two supervisors approving at once: the second finds it approved.
    broadcast = _locked(broadcast)
    _require_approver(broadcast, by)
    if broadcast.status != Broadcast.Status.SUBMITTED:
        raise ValidationError(_("This broadcast is not awaiting approval."), code="not_submitted")
    if problem := _image_problem(broadcast):
        raise ValidationError(problem, code="image_url")
    ids = list(selectors.broadcast_recipients(broadcast).values_list("line_user_id", flat=True))
    if not ids:
        raise ValidationError(_("No friend is in this group of recipients."), code="nobody")
    if problem := quota_problem(quota or quota_get(), len(ids)):
        raise ValidationError(problem, code="quota")
    BroadcastBatch.objects.bulk_create(
        BroadcastBatch(
            broadcast=broadcast,
            number=n,
            to=ids[i : i + BATCH_MAX],
            size=len(ids[i : i + BATCH_MAX]),
        )
        for n, i in enumerate(range(0, len(ids), BATCH_MAX), start=1)
    )
    now = timezone.now()
    broadcast.status = Broadcast.Status.APPROVED
    broadcast.approved_by = by
    broadcast.approved_at = now
    broadcast.recipients = len(ids)
    broadcast.next_attempt_at = now
    broadcast.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "recipients",
            "next_attempt_at",
            "updated_at",
        ]
    )
    send_broadcast.apply_async_on_commit((broadcast.pk,), retry=False)  # the sweep re-finds it
    return broadcast


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast, by: User) -> Broadcast:
    """A draft or a broadcast awaiting approval is withdrawn (once sending, it goes on)."""
    broadcast = _locked(broadcast)
    if not (
        authz.can(by, "linecare.approve_broadcasts")
        or (authz.can(by, "linecare.compose_broadcasts") and broadcast.created_by_id == by.pk)
    ):
        raise PermissionDenied(_("Its author or a supervisor cancels a broadcast."))
    if broadcast.status not in (Broadcast.Status.DRAFT, Broadcast.Status.SUBMITTED):
        raise ValidationError(_("Only a broadcast not yet approved can be cancelled."), code="late")
    broadcast.status = Broadcast.Status.CANCELLED
    broadcast.cancelled_by = by
    broadcast.save(update_fields=["status", "cancelled_by", "updated_at"])
    return broadcast


# --- sending -----------------------------------------------------------------------------------

RETRY = "retry"


def backoff(attempt: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1))


def _messages(broadcast: Broadcast) -> list:
    messages: list = [TextMessage(text=broadcast.text)]
    if url := image_url(broadcast):
        messages.append(ImageMessage(original_content_url=url, preview_image_url=url))
    return messages


def _finish(broadcast: Broadcast, now: datetime.datetime) -> str:
    """Every batch has its answer: the broadcast's status from the counts."""
    broadcast.refresh_from_db(fields=["sent_count", "failed_count"])
    broadcast.status = Broadcast.Status.SENT if broadcast.sent_count else Broadcast.Status.FAILED
    broadcast.finished_at = now
    broadcast.next_attempt_at = None
    broadcast.save(update_fields=["status", "finished_at", "next_attempt_at", "updated_at"])
    return broadcast.status


def _fail_pending(broadcast: Broadcast, reason: str, now: datetime.datetime) -> str:
    pending = BroadcastBatch.objects.filter(
        broadcast=broadcast, status=BroadcastBatch.Status.PENDING
    )
    lost = sum(pending.values_list("size", flat=True))
    pending.update(status=BroadcastBatch.Status.FAILED, failure_reason=reason)
    Broadcast.objects.filter(pk=broadcast.pk).update(failed_count=F("failed_count") + lost)
    broadcast.failure_reason = reason
    broadcast.save(update_fields=["failure_reason"])
    return _finish(broadcast, now)


def _send_step(broadcast_id: int, now: datetime.datetime, *, check_quota: bool) -> str | None:
    """One batch, in a transaction holding the broadcast's row. Returns "sending" when the
    next batch may follow at once, RETRY when the run stops until `next_attempt_at`, the final
    status when it is over, None when there was nothing to do (not due, or held elsewhere)."""
    with transaction.atomic():
        # Two workers (the task and the sweep) on one broadcast: the one holding the row sends
        # the next batch; the other skips it, so no batch goes out twice at once.
        broadcast = (
            Broadcast.objects.select_for_update(skip_locked=True)
            .defer("image_data")
            .filter(
                pk=broadcast_id,
                status__in=[Broadcast.Status.APPROVED, Broadcast.Status.SENDING],
                next_attempt_at__lte=now,
            )
            .first()
        )
        if broadcast is None:
            return None
        batch = (
            BroadcastBatch.objects.filter(broadcast=broadcast, status=BroadcastBatch.Status.PENDING)
            .order_by("number")
            .first()
        )
        if batch is None:
            return _finish(broadcast, now)
        if check_quota:
            # Before the first batch and on every resume: the quota must cover what is left.
            left = sum(
                BroadcastBatch.objects.filter(
                    broadcast=broadcast, status=BroadcastBatch.Status.PENDING
                ).values_list("size", flat=True)
            )
            quota = quota_get()
            if not quota.known and batch.attempts + 1 < SEND_MAX_ATTEMPTS:
                batch.attempts += 1
                batch.save(update_fields=["attempts"])
                broadcast.next_attempt_at = now + datetime.timedelta(
                    seconds=backoff(batch.attempts)
                )
                broadcast.save(update_fields=["next_attempt_at"])
                return RETRY
            if problem := quota_problem(quota, left):
                return _fail_pending(broadcast, problem[:200], now)
        if broadcast.status == Broadcast.Status.APPROVED:
            broadcast.status = Broadcast.Status.SENDING
            broadcast.send_started_at = now
            broadcast.save(update_fields=["status", "send_started_at", "updated_at"])
        if not settings.LINE_CHANNEL_ACCESS_TOKEN:
            return _fail_pending(broadcast, "not_configured", now)
        batch.attempts += 1
        status: int | None = None
        try:
            with api.messaging_api() as line:
                line.multicast(
                    MulticastRequest(to=batch.to, messages=_messages(broadcast)),
                    x_line_retry_key=str(batch.retry_key),
                    _request_timeout=api.TIMEOUT,
                )
            status = 200
        except ApiException as exc:
            status = exc.status
        except Exception as exc:  # noqa: BLE001 (urllib3 timeouts and connection errors)
            logger.warning("LINE multicast of broadcast %s: %s", broadcast.pk, type(exc).__name__)
        batch.answer_status = status
        if status in (200, 409):
            # 409: LINE has already accepted a request with this key (an answer we lost).
            batch.status = BroadcastBatch.Status.SENT
            batch.sent_at = now
            batch.failure_reason = ""
            batch.save(
                update_fields=["status", "sent_at", "attempts", "answer_status", "failure_reason"]
            )
            Broadcast.objects.filter(pk=broadcast.pk).update(
                sent_count=F("sent_count") + batch.size
            )
            return Broadcast.Status.SENDING
        label = f"HTTP {status}" if status else "timeout"
        retryable = status is None or status == 429 or status >= 500
        if retryable and batch.attempts < SEND_MAX_ATTEMPTS:
            batch.failure_reason = label
            batch.save(update_fields=["attempts", "answer_status", "failure_reason"])
            broadcast.next_attempt_at = now + datetime.timedelta(seconds=backoff(batch.attempts))
            broadcast.save(update_fields=["next_attempt_at"])
            return RETRY
        batch.failure_reason = f"gave_up:{label}" if retryable else f"refused:{label}"
        batch.status = BroadcastBatch.Status.FAILED
        batch.save(update_fields=["status", "attempts", "answer_status", "failure_reason"])
        Broadcast.objects.filter(pk=broadcast.pk).update(
            failed_count=F("failed_count") + batch.size
        )
        if retryable:
            # LINE keeps refusing for now: the rest is not sent either, and a person sees why.
            return _fail_pending(broadcast, batch.failure_reason, now)
        broadcast.failure_reason = batch.failure_reason
        broadcast.save(update_fields=["failure_reason"])
        return Broadcast.Status.SENDING


def broadcast_send(*, broadcast_id: int, now: datetime.datetime | None = None) -> str | None:
    """Send the pending batches in order until done or LINE says to wait. Returns the status
    it left (RETRY: resume at `next_attempt_at`), or None when there was nothing to do."""
    result = None
    while True:
        step = _send_step(broadcast_id, now or timezone.now(), check_quota=result is None)
        if step is None:
            return result
        result = step
        if step != Broadcast.Status.SENDING:
            return result
        time.sleep(BATCH_PAUSE)


def broadcasts_send_due(*, limit: int = 20) -> int:
    """The sweep: approved or sending broadcasts whose attempt is due (a retry after backoff,
    a lost task, a worker that died mid-run)."""
    now = timezone.now()
    ids = list(
        Broadcast.objects.filter(
            status__in=[Broadcast.Status.APPROVED, Broadcast.Status.SENDING],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if broadcast_send(broadcast_id=pk, now=now) is not None)
