"""Notifications: every write. In-app rows first; e-mail is delivered from the row, later.

E-mails never carry personal data: no nickname, no case content, only a fixed sentence per kind
and a link into the app (the digest adds counts and times). The in-app title may name a client,
because only its recipient sees it, inside the app.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from core import authz

from . import tasks
from .models import DigestRun, Notification

logger = logging.getLogger(__name__)

EMAIL_MAX_ATTEMPTS = Notification.EMAIL_MAX_ATTEMPTS
# A pending e-mail younger than this still has its own Celery message on the way.
EMAIL_RETRY_AFTER = datetime.timedelta(minutes=1)
# A worker that claimed an e-mail this long ago has died (sends take seconds).
EMAIL_STUCK_AFTER = datetime.timedelta(minutes=10)
UNIQUE_CONSTRAINT = "notifications_notification_once"


def is_internal_path(url: str) -> bool:
    """A relative path inside this site ("/followups/3/"), never another host or scheme."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and not any(ch in url for ch in "\r\n\t")
    )


@transaction.atomic
def digest_run_claim(*, user: User, date: datetime.date, item_count: int) -> bool:
    """Record that `user`'s morning digest for `date` is being sent; False when a run already
    did. The unique (user, date) row is the once-a-day guarantee, not a prior read."""
    try:
        # A savepoint keeps the caller's transaction (the digest sweep) usable on a conflict.
        with transaction.atomic():
            DigestRun.objects.create(user=user, date=date, item_count=item_count)
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", "") != "notifications_digestrun_once_a_day":
            raise
        return False
    return True


@transaction.atomic
def notification_send(
    *,
    user: User,
    kind: str,
    title: str,
    url: str = "",
    dedupe_key: str,
    email: bool = True,
) -> Notification | None:
    """Create the notification unless (user, dedupe_key) exists; None when it already did.

    The unique constraint decides, not a prior read: two senders racing both try the INSERT and
    the second one waits on the index and then gets nothing (INSERT ... ON CONFLICT DO NOTHING).
    """
    wants_email = email and bool(user.email) and user.is_active
    try:
        # A savepoint, so a conflict leaves the caller's transaction usable.
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                title=title[:200],
                url=url,
                dedupe_key=dedupe_key,
                email_state=(
                    Notification.EmailState.PENDING if wants_email else Notification.EmailState.NONE
                ),
            )
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", "") != UNIQUE_CONSTRAINT:
            raise
        return None
    if wants_email:
        tasks.deliver_email.delay_on_commit(notification.pk)
    return notification


def notification_mark_read(*, notification: Notification, by: User) -> None:
    if not authz.can(by, "notifications.read_notification", notification):
        raise PermissionDenied("Only the recipient can mark a notification read.")
    # A single conditional UPDATE: the first read time wins, no read-modify-write.
    now = timezone.now()
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def _absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _email_content(notification: Notification) -> tuple[str, str]:
    """Subject and body: fixed sentences per kind and a link, never the title (but a digest's)."""
    path = notification.url if is_internal_path(notification.url) else reverse("notifications:list")
    context = {
        "kind": notification.kind,
        "Kind": Notification.Kind,
        "link": _absolute_url(path),
        "notifications_link": _absolute_url(reverse("notifications:list")),
        # Built from counts and times only (followups_send_morning_digest).
        "digest": notification.title if notification.kind == Notification.Kind.DIGEST else "",
    }
    with translation.override(notification.user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("notifications/email/subject.txt", context)
        body = render_to_string("notifications/email/body.txt", context)
    return " ".join(subject.split()), body


def notification_email_deliver(*, notification_id: int) -> str | None:
    """Send the e-mail of one notification, at most once per successful claim.

    Not one transaction: the claim (pending -> sending) must be committed before the slow send
    so that a second worker sees it; each step is its own compare-and-swap UPDATE.
    Returns the e-mail state it left, or None when there was nothing to do.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_state=Notification.EmailState.PENDING
    ).update(email_state=Notification.EmailState.SENDING, email_claimed_at=now)
    if claimed != 1:
        return None  # already sent, being sent, not wanted, or gone
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, email_state=Notification.EmailState.SENDING, email_claimed_at=now
    )
    user = notification.user
    if not user.is_active or not user.email:
        mine.update(email_state=Notification.EmailState.NONE)
        return Notification.EmailState.NONE
    subject, body = _email_content(notification)
    try:
        send_mail(subject, body, None, [user.email])
    except Exception as exc:  # any failure of the mail server: count it, retry later
        attempts = notification.email_attempts + 1
        state = (
            Notification.EmailState.FAILED
            if attempts >= EMAIL_MAX_ATTEMPTS
            else Notification.EmailState.PENDING
        )
        mine.update(email_state=state, email_attempts=attempts, email_error=type(exc).__name__)
        logger.warning(
            "notification %s: e-mail attempt %s failed: %s",
            notification_id,
            attempts,
            type(exc).__name__,
        )
        return state
    mine.update(
        email_state=Notification.EmailState.SENT,
        email_attempts=F("email_attempts") + 1,
        emailed_at=timezone.now(),
        email_error="",
    )
    return Notification.EmailState.SENT


@transaction.atomic
def notifications_email_retry(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Re-enqueue e-mails whose Celery message was lost or whose worker died. Returns how many."""
    now = now or timezone.now()
    # A claim this old belongs to a dead worker: count the attempt and free (or fail) it.
    stuck = Notification.objects.filter(
        email_state=Notification.EmailState.SENDING,
        email_claimed_at__lt=now - EMAIL_STUCK_AFTER,
    )
    stuck.filter(email_attempts__gte=EMAIL_MAX_ATTEMPTS - 1).update(
        email_state=Notification.EmailState.FAILED,
        email_attempts=F("email_attempts") + 1,
        email_error="WorkerLost",
    )
    stuck.update(
        email_state=Notification.EmailState.PENDING,
        email_attempts=F("email_attempts") + 1,
        email_error="WorkerLost",
    )
    ids = list(
        Notification.objects.filter(
            email_state=Notification.EmailState.PENDING,
            created_at__lt=now - EMAIL_RETRY_AFTER,
        )
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_RETRY_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        tasks.deliver_email.delay_on_commit(pk)
    return len(ids)
