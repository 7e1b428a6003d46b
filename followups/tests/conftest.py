"""Helpers for follow-up tests that run against the real worker, Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import redis
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection

from tsunagari.redis import redis_client

BASE_DIR = Path(settings.BASE_DIR)


def wait_for(predicate: Callable[[], object], *, timeout: float = 30.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


@pytest.fixture
def finished_tasks():
    """Names of tasks the in-process worker has finished, in order (celery's task_postrun)."""
    names: list[str] = []
    lock = threading.Lock()

    def record(sender=None, **kwargs):
        with lock:
            names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


def database_url_for_tests() -> str:
    """DATABASE_URL with the test database's name, for a worker in another process."""
    url = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(url._replace(path="/" + connection.settings_dict["NAME"]))


class SubprocessWorker:
    """A real `celery worker` process on this test's queue and test database."""

    def __init__(self, tmp_path: Path, *, pool: str = "solo", concurrency: int = 1) -> None:
        self.logfile = tmp_path / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.nodename = f"sub-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_tests(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "tsunagari.settings_test",
            "CONN_MAX_AGE": "0",
        }
        self._logstream = self.logfile.open("ab")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "tsunagari",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-n",
                self.nodename,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            # The worker logs through the project's LOGGING (its console handler, on stderr),
            # as it does in production: that stream is the log this fixture reads.
            stdout=self._logstream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.logfile.read_text() if self.logfile.exists() else ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log()}")
            return " ready." in self.log()

        wait_for(ready, timeout=timeout, what="the worker process to be ready")

    @property
    def own_queue(self) -> str:
        """Where this process publishes follow-on tasks (settings_test names it by pid)."""
        return f"tsunagari-test-{self.process.pid}"

    def consume_own_queue(self) -> None:
        """Also consume own_queue, so follow-on tasks (deliver_email) run in this worker too."""
        from tsunagari.celery import app

        replies = app.control.add_consumer(
            self.own_queue, destination=[self.nodename], reply=True, timeout=10
        )
        assert replies and "ok" in replies[0][self.nodename], replies

    def kill(self) -> None:
        """SIGKILL the whole worker (its process group: the main process and any children)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._logstream.close()

    def cleanup(self) -> None:
        self.kill()
        # What this process published went to its own pid-named default queue: drop it.
        try:
            redis_client().delete(self.own_queue)
        except redis.RedisError:
            pass  # a drill may have stopped that Redis: then nothing is left to drop


@pytest.fixture
def subprocess_worker(tmp_path):
    started: list[SubprocessWorker] = []

    def start(**kwargs) -> SubprocessWorker:
        worker = SubprocessWorker(tmp_path, **kwargs)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.cleanup()
