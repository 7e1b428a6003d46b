"""Reminders are never lost and never doubled: real worker, real Redis, real PostgreSQL.

These tests commit their rows (transactional database) so that workers on other connections,
threads and processes see them.
"""

import datetime
import threading
import time

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from followups import services
from followups.models import FollowUp
from followups.tasks import morning_digest, sweep_due
from followups.tests.conftest import database_url_for_tests, wait_for
from followups.tests.factories import FollowUpFactory
from notifications.models import DigestRun, Notification
from tsunagari.redis import redis_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]


def _due(**kwargs) -> FollowUp:
    return FollowUpFactory(due_at=timezone.now() - datetime.timedelta(minutes=1), **kwargs)


def _wait_for_tasks(finished: list[str], name: str, count: int) -> None:
    wait_for(lambda: finished.count(name) >= count, what=f"{count} × {name}")


def test_a_due_followup_gets_one_notification_and_one_email(
    celery_worker, finished_tasks, mailoutbox
):
    fu = _due(client__nickname="ひまわり", what="同行の日程を確認")
    later = FollowUpFactory(due_at=timezone.now() + datetime.timedelta(hours=1))

    sweep_due.delay()
    _wait_for_tasks(finished_tasks, "followups.tasks.sweep_due", 1)
    _wait_for_tasks(finished_tasks, "notifications.tasks.deliver_email", 1)

    fu.refresh_from_db()
    later.refresh_from_db()
    assert fu.state == FollowUp.State.NOTIFIED and later.state == FollowUp.State.PENDING
    (n,) = Notification.objects.all()
    assert n.user_id == fu.assignee_id and n.email_state == Notification.EmailState.SENT
    (email,) = mailoutbox
    assert email.to == [fu.assignee.email]
    assert "ひまわり" not in email.subject + email.body
    assert "同行" not in email.subject + email.body


def test_two_sweeps_enqueued_notify_once(celery_worker, finished_tasks, mailoutbox):
    rows = [_due() for _ in range(5)]
    sweep_due.delay()
    sweep_due.delay()
    _wait_for_tasks(finished_tasks, "followups.tasks.sweep_due", 2)
    _wait_for_tasks(finished_tasks, "notifications.tasks.deliver_email", 5)
    assert Notification.objects.count() == 5
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"followup:{fu.pk}:due" for fu in rows
    )
    assert len(mailoutbox) == 5


def test_the_sweep_run_from_two_threads_at_once_notifies_each_row_once():
    rows = [_due() for _ in range(40)]
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait()
            counts.append(services.followups_notify_due(limit=500))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sum(counts) == 40
    assert Notification.objects.count() == 40
    assert set(FollowUp.objects.values_list("state", flat=True)) == {"notified"}
    assert {n.dedupe_key for n in Notification.objects.all()} == {
        f"followup:{fu.pk}:due" for fu in rows
    }


def test_two_beat_processes_at_the_same_tick_notify_once(
    celery_worker, subprocess_worker, finished_tasks
):
    """Two producers publish the same tick; two workers (a thread and a process) consume."""
    subprocess_worker(pool="threads", concurrency=2)
    rows = [_due(assignee__email="") for _ in range(30)]
    start = threading.Barrier(2)

    def beat() -> None:
        start.wait()
        sweep_due.delay()

    producers = [threading.Thread(target=beat) for _ in range(2)]
    for t in producers:
        t.start()
    for t in producers:
        t.join()

    wait_for(
        lambda: not FollowUp.objects.filter(state="pending").exists(), what="all rows notified"
    )
    time.sleep(1)  # let any second sweep finish too
    assert Notification.objects.count() == 30
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == sorted(
        f"followup:{fu.pk}:due" for fu in rows
    )


def _blocker_connection() -> psycopg.Connection:
    return psycopg.connect(database_url_for_tests(), autocommit=False)


def _backend_waiting_on_a_lock(blocker_pid: int) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid NOT IN (pg_backend_pid(), %s)",
            [blocker_pid],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_sweep_leaves_nothing_half_done(
    transactional_db, subprocess_worker, request, finished_tasks
):
    fu = _due()
    worker = subprocess_worker(pool="solo")

    # Hold the notification's unique key in an open transaction: the worker's INSERT waits on
    # the index, inside its sweep transaction, after it has already marked the row notified.
    blocker = _blocker_connection()
    blocker.execute(
        "INSERT INTO notifications_notification (user_id, kind, title, url, dedupe_key, "
        "created_at, email_state, email_attempts, email_error) "
        "VALUES (%s, 'followup_due', 'blocker', '', %s, now(), 'none', 0, '')",
        [fu.assignee_id, fu.due_dedupe_key],
    )
    blocker_pid = blocker.info.backend_pid
    try:
        sweep_due.delay()
        stuck_pid = wait_for(
            lambda: _backend_waiting_on_a_lock(blocker_pid), what="the worker to block"
        )
        # Mid-transaction: the worker holds the follow-up row it is changing.
        with pytest.raises(OperationalError), transaction.atomic():
            FollowUp.objects.select_for_update(nowait=True).get(pk=fu.pk)
        worker.kill()
    finally:
        blocker.rollback()
        blocker.close()

    # The orphaned backend notices its client is gone and rolls back.
    wait_for(lambda: not _backend_alive(stuck_pid), what="the killed worker's backend to end")
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.PENDING and fu.notified_at is None
    assert not Notification.objects.exists()

    # The next tick, on a healthy worker, notifies exactly once.
    request.getfixturevalue("celery_worker")
    sweep_due.delay()
    _wait_for_tasks(finished_tasks, "followups.tasks.sweep_due", 1)
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.NOTIFIED
    assert Notification.objects.filter(dedupe_key=fu.due_dedupe_key).count() == 1


def test_a_flushed_redis_only_delays_the_reminder(transactional_db, request, finished_tasks):
    """FLUSHDB (or a Redis restart without persistence) loses the queued sweep message."""
    fu = _due()
    sweep_due.delay()
    redis = redis_client()
    assert redis.llen(sweep_due.app.conf.task_default_queue) == 1
    redis.flushdb()  # this test's own Redis database number only
    assert not Notification.objects.exists()

    request.getfixturevalue("celery_worker")
    sweep_due.delay()  # the next beat tick
    _wait_for_tasks(finished_tasks, "followups.tasks.sweep_due", 1)
    time.sleep(0.5)
    assert finished_tasks.count("followups.tasks.sweep_due") == 1  # the lost one never ran
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.NOTIFIED
    assert Notification.objects.count() == 1


def test_a_flush_while_the_worker_runs_does_not_stop_later_ticks(celery_worker, finished_tasks):
    """Like a Redis restart under a running worker: queues and bindings vanish, ticks go on."""
    fu = _due()
    redis_client().flushdb()
    sweep_due.delay()
    _wait_for_tasks(finished_tasks, "followups.tasks.sweep_due", 1)
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.NOTIFIED
    assert Notification.objects.count() == 1


def test_a_lost_email_message_is_sent_by_the_retry_sweep(
    transactional_db, request, finished_tasks, mailoutbox
):
    from notifications.tasks import retry_emails

    fu = _due()
    services.followups_notify_due()  # enqueues the e-mail on commit...
    redis_client().flushdb()  # ...and the message is lost
    n = Notification.objects.get()
    assert n.email_state == Notification.EmailState.PENDING
    Notification.objects.filter(pk=n.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    request.getfixturevalue("celery_worker")
    retry_emails.delay()
    _wait_for_tasks(finished_tasks, "notifications.tasks.deliver_email", 1)
    n.refresh_from_db()
    assert n.email_state == Notification.EmailState.SENT
    assert [m.to for m in mailoutbox] == [[fu.assignee.email]]


def test_the_morning_digest_task_twice_sends_one_email(
    celery_worker, finished_tasks, mailoutbox, counselor
):
    today = timezone.localdate(timezone.now(), services.TOKYO)
    tonight = datetime.datetime.combine(today, datetime.time(23, 59), tzinfo=services.TOKYO)
    FollowUpFactory(assignee=counselor, due_at=tonight)
    morning_digest.delay()
    morning_digest.delay()
    _wait_for_tasks(finished_tasks, "followups.tasks.morning_digest", 2)
    _wait_for_tasks(finished_tasks, "notifications.tasks.deliver_email", 1)
    assert DigestRun.objects.filter(user=counselor, date=today).count() == 1
    assert len(mailoutbox) == 1
