"""Logging filters that keep personal data out of the logs.

Search terms (phone numbers, nicknames) travel in query strings, and database errors quote
the values they refused ("Key (phone)=(06...) already exists"). The request log keeps the path
only, and an exception in a log record keeps its traceback and type but not its message.
Wired in settings.LOGGING; tsunagari/tests/test_logs_carry_no_personal_data.py proves them.
"""

from __future__ import annotations

import logging
import re
import traceback

from django.views.debug import SafeExceptionReporterFilter

# A path followed by a query string, inside a request line or any other text.
_QUERY = re.compile(r"(/[^\s?\"'#]*)\?[^\s\"'#]*")
# The secret of a calendar feed address (agenda): whoever reads it reads her calendar.
_FEED_SECRET = re.compile(r"(/agenda/feed/)[^\s/?\"'#]+(\.ics)")


def strip_query(text: str) -> str:
    """`GET /cases/clients/?q=0612345678 HTTP/1.1` -> `GET /cases/clients/ HTTP/1.1`; a
    calendar feed's secret becomes `…` (`/agenda/feed/….ics`)."""
    return _FEED_SECRET.sub(r"\1…\2", _QUERY.sub(r"\1", text))


class StripQueryString(logging.Filter):
    """Drops query strings from a record's message and arguments (runserver's request line,
    `django.server`; and a malformed request it quotes back)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                strip_query(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


class ExceptionTypeOnly(logging.Filter):
    """Logs an exception's traceback and type, never its message: the message of a database
    or validation error can quote the personal data that caused it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and "exc" in record.args:
            # Celery's task failure line ("Task ... raised unexpected: %(exc)s") quotes the
            # exception's repr.
            failed = record.exc_info[1] if record.exc_info else None
            name = type(failed).__qualname__ if failed is not None else "exception"
            record.args = {**record.args, "exc": f"{name} (message withheld)", "traceback": ""}
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = "".join(traceback.format_tb(exc.__traceback__))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}"
                f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld)"
            )
            # Formatter.format uses exc_text as given once it is set.
            record.exc_info = None
        return True


class NoRequestDataReporterFilter(SafeExceptionReporterFilter):
    """An error report (the debug page, or a report an operator wires up) never shows what
    was submitted, and with DEBUG off not the variables of the failing code either: a form
    body or a local variable is a note, a name or a phone number."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|EMAIL_URL|REDIS_URL",
        flags=re.IGNORECASE,
    )

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
