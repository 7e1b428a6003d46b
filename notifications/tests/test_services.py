import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.roles import Role
from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db

# A real SMTP connection to a closed port: the mail server is down.
MAIL_SERVER_DOWN = override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=1,
    EMAIL_TIMEOUT=2,
    EMAIL_USE_TLS=False,
    EMAIL_USE_SSL=False,
)


def _send(user, key="k:1", **kwargs):
    return services.notification_send(
        user=user,
        kind=Notification.Kind.FOLLOWUP_DUE,
        title="さくら0 — 電話",
        url="/followups/1/",
        dedupe_key=key,
        **kwargs,
    )


def test_send_creates_once_per_user_and_key(
    counselor, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = _send(counselor)
        again = _send(counselor)
        other = _send(colleague)
    assert first is not None and again is None and other is not None
    assert Notification.objects.filter(user=counselor).count() == 1
    assert first.email_state == Notification.EmailState.PENDING
    assert len(callbacks) == 2  # one e-mail per created notification, none for the duplicate


def test_send_leaves_the_callers_transaction_usable_after_a_duplicate(counselor):
    from django.db import transaction

    with transaction.atomic():
        _send(counselor)
        assert _send(counselor) is None
        assert Notification.objects.count() == 1  # no "current transaction is aborted"


def test_send_without_email_when_not_wanted_or_no_address(counselor):
    assert _send(counselor, key="a", email=False).email_state == Notification.EmailState.NONE
    no_address = UserFactory(roles=[Role.COUNSELOR], email="")
    assert _send(no_address, key="b").email_state == Notification.EmailState.NONE


def test_mark_read_only_by_the_recipient(counselor, colleague):
    n = _send(counselor)
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(notification=n, by=colleague)
    services.notification_mark_read(notification=n, by=counselor)
    n.refresh_from_db()
    first = n.read_at
    assert first is not None
    services.notification_mark_read(notification=n, by=counselor)
    n.refresh_from_db()
    assert n.read_at == first


def test_mark_all_read_touches_only_my_unread(counselor, colleague):
    _send(counselor, key="1")
    _send(counselor, key="2")
    theirs = _send(colleague, key="1")
    assert services.notifications_mark_all_read(user=counselor) == 2
    assert services.notifications_mark_all_read(user=counselor) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_deliver_sends_one_email_without_personal_data(counselor, mailoutbox, settings):
    settings.SITE_URL = "https://tsunagari.example.jp/"
    n = _send(counselor)
    assert services.notification_email_deliver(notification_id=n.pk) == "sent"
    assert services.notification_email_deliver(notification_id=n.pk) is None
    (email,) = mailoutbox
    assert email.subject == "【つながり】フォローアップの期限です"
    assert email.to == [counselor.email]
    assert "https://tsunagari.example.jp/followups/1/" in email.body
    assert "さくら" not in email.body and "電話" not in email.body
    n.refresh_from_db()
    assert (n.email_state, n.email_attempts) == ("sent", 1)
    assert n.emailed_at is not None


def test_deliver_links_only_to_paths_inside_the_app(counselor, mailoutbox):
    n = services.notification_send(
        user=counselor,
        kind=Notification.Kind.OTHER,
        title="x",
        url="https://evil.example/",
        dedupe_key="evil",
    )
    services.notification_email_deliver(notification_id=n.pk)
    assert "evil.example" not in mailoutbox[0].body
    assert "/notifications/" in mailoutbox[0].body


def test_deliver_in_english_for_an_english_speaking_user(mailoutbox):
    user = UserFactory(roles=[Role.COUNSELOR], language="en")
    n = _send(user)
    services.notification_email_deliver(notification_id=n.pk)
    assert mailoutbox[0].subject == "[Tsunagari] A follow-up is due"


@MAIL_SERVER_DOWN
def test_deliver_retries_and_fails_visibly_after_five_attempts(counselor):
    n = _send(counselor)
    for attempt in range(1, 5):
        assert services.notification_email_deliver(notification_id=n.pk) == "pending"
        n.refresh_from_db()
        assert n.email_attempts == attempt and n.email_error
    assert services.notification_email_deliver(notification_id=n.pk) == "failed"
    assert services.notification_email_deliver(notification_id=n.pk) is None
    n.refresh_from_db()
    assert (n.email_state, n.email_attempts) == ("failed", 5)


def test_retry_sweep_requeues_old_pending_and_frees_stuck_sending(
    counselor, django_capture_on_commit_callbacks
):
    now = timezone.now()
    fresh = _send(counselor, key="fresh")
    old = _send(counselor, key="old")
    stuck = _send(counselor, key="stuck")
    dying = _send(counselor, key="dying")
    recent_claim = _send(counselor, key="recent-claim")
    Notification.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(minutes=2))
    Notification.objects.filter(pk__in=[stuck.pk, dying.pk, recent_claim.pk]).update(
        created_at=now - datetime.timedelta(minutes=30),
        email_state="sending",
        email_claimed_at=now - datetime.timedelta(minutes=11),
    )
    Notification.objects.filter(pk=dying.pk).update(email_attempts=4)
    Notification.objects.filter(pk=recent_claim.pk).update(
        email_claimed_at=now - datetime.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = services.notifications_email_retry(now=now)
    # old (never tried) and stuck (freed, last claimed 11 minutes ago)
    assert count == 2 and len(callbacks) == 2
    states = dict(Notification.objects.values_list("dedupe_key", "email_state"))
    assert states == {
        "fresh": "pending",
        "old": "pending",
        "stuck": "pending",
        "dying": "failed",
        "recent-claim": "sending",
    }
    stuck.refresh_from_db()
    assert stuck.email_attempts == 1
    fresh.refresh_from_db()
    assert fresh.email_attempts == 0  # still has its own message on the way
