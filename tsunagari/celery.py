"""Celery application. Tasks are thin wrappers around services; the database is the truth."""

import os
from collections.abc import Iterator, Mapping

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagari.settings")


class Task(DjangoTask):
    """Enqueueing after commit never fails the request that committed.

    The row is already saved and a periodic sweep re-finds it, so a broker that is down only
    delays the work: Django logs the failed publish (`robust=True`) instead of raising it into a
    response after the data was written.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        def enqueue() -> None:
            self.apply_async(args, kwargs, **options)

        # A named function: Django names it in the log line when the publish fails.
        enqueue.__qualname__ = f"{self.name}.apply_async"
        transaction.on_commit(enqueue, robust=True)


app = Celery("tsunagari", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class RegisteredSchedule(Mapping):
    """Beat's schedule: the periodic tasks the apps registered (`core.registry.periodic_tasks`).

    Read when beat's scheduler starts, after Django (and so every app's `extensions.py`) is
    loaded; nothing is listed here or in the settings."""

    def _entries(self) -> dict:
        from core.registry import beat_schedule

        return beat_schedule()

    def __getitem__(self, key: str) -> dict:
        return self._entries()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())


app.conf.beat_schedule = RegisteredSchedule()
