"""Running service calls at the same moment on real PostgreSQL connections (race tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection


def at_once(*calls: Callable[[], object]) -> list[str]:
    """Run each call in its own thread (own connection), released together; "done" or
    "refused" (a ValidationError) per call, sorted."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            results.append("done")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)
