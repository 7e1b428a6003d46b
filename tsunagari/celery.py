"""Celery application. Tasks are thin wrappers around services; the database is the truth."""

import os

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
