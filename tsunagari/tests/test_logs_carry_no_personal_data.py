"""No personal data in logs: every log record written while the journeys run is captured as the
configured handlers would write it, and scanned for the journeys' own names, numbers and text.

The capture takes the filters and formatters the settings give the console and runserver
handlers (tsunagari/logs.py), so it sees what an operator's log would hold.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import reverse
from django.utils import timezone

from cases.models import Client, Consultation
from cases.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

NICKNAME = "ログ検査はるか"
PHONE = "0698765432"
NOTE = "ログ検査の記録メモ本文"
SUMMARY = "ログ検査の相談要旨"
SECRETS = [NICKNAME, PHONE, "06-9876-5432", NOTE, SUMMARY]


def _configured(name: str) -> logging.Handler:
    """The handler the settings named `name`, attached to the root or runserver logger."""
    for logger in (logging.getLogger(), logging.getLogger("django.server")):
        for handler in logger.handlers:
            if handler.name == name:
                return handler
    raise AssertionError(f"no configured log handler named {name!r}")


@contextmanager
def captured_logs():
    """Everything logged meanwhile, at DEBUG level, as the configured handlers format it."""
    stream = io.StringIO()
    added = []
    for logger_name, like in [("", "console"), ("django.server", "django.server")]:
        model = _configured(like)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(model.formatter)
        for log_filter in model.filters:
            handler.addFilter(log_filter)
        handler.setLevel(logging.DEBUG)
        logger = logging.getLogger(logger_name)
        added.append((logger, handler, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        for logger, handler, level in added:
            logger.removeHandler(handler)
            logger.setLevel(level)


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _runserver_request_line(request_line: str, status: str) -> None:
    """What runserver logs for one request: Django's own WSGIRequestHandler.log_message."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.log_message('"%s" %s %s', request_line, status, "1234")


def _consultation(counselor, **extra) -> dict:
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "kind": Consultation.Kind.LINE,
        "started_at": timezone.localtime(start).strftime(fmt),
        "ended_at": timezone.localtime(start + datetime.timedelta(minutes=30)).strftime(fmt),
        "main_concern": Consultation.MainConcern.HOUSING,
        "topics": [Consultation.Topic.POVERTY],
        "established": "yes",
        "summary": SUMMARY,
        "outcomes": [Consultation.Outcome.REFERRAL],
        "counselors": [counselor.pk],
        **extra,
    }


def _intake(counselor, **extra) -> dict:
    return {
        **_consultation(counselor),
        "nickname": NICKNAME,
        "line_user_id": "",
        "phone": PHONE,
        "age_band": Client.AgeBand.U19,
        "ward": "271276",
        "employment": Client.Employment.STUDENT,
        "household": Client.Household.PARENTS,
        "heard_from": Client.HeardFrom.SCHOOL,
        "consent_scope": Client.ConsentScope.NONE,
        "consent_given_on": "",
        "consent_method": "",
        **extra,
    }


def test_the_journeys_leave_no_name_number_or_text_in_any_log(client, counselor):
    client.force_login(counselor)
    with captured_logs() as logs:
        # A search by phone and by nickname, on the client list and the intake search.
        for q in [PHONE, "06-9876-5432", NICKNAME]:
            assert client.get(reverse("cases:client_list"), {"q": q}).status_code == 200
            assert client.get(reverse("cases:intake"), {"q": q}).status_code == 200
        # A client registered at intake, with her first consultation and its summary.
        response = client.post(reverse("cases:intake_new"), _intake(counselor))
        assert response.status_code == 302, response.content.decode()[:500]
        her = Client.objects.get(nickname=NICKNAME)
        # A consultation recorded for her, and a note on her case.
        response = client.post(
            reverse("cases:consultation_create", kwargs={"pk": her.pk}), _consultation(counselor)
        )
        assert response.status_code == 302
        case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
        response = client.post(
            reverse("cases:case_note_add", kwargs={"pk": case.pk}), {"body": NOTE}
        )
        assert response.status_code == 302
        # A form sent back with its errors, still holding her name and number.
        response = client.post(reverse("cases:intake_new"), _intake(counselor, kind="fax"))
        assert response.status_code in (200, 400) and NICKNAME in response.content.decode()
        assert Client.objects.filter(nickname=NICKNAME).count() == 1
        # A probe for something that is not there (Django logs "Not Found: <path>").
        assert client.get("/cases/987654321/", {"q": PHONE}).status_code == 404
        assert client.get(f"/cases/clients/{her.pk}/nowhere/", {"q": NICKNAME}).status_code == 404
        # runserver's request line for the same searches, through the configured filter.
        _runserver_request_line(f"GET /cases/clients/?q={PHONE} HTTP/1.1", "200")
        _runserver_request_line(f"GET /cases/987654321/?q={PHONE}&page=2 HTTP/1.1", "404")

    text = logs.getvalue()
    assert "Not Found: /cases/987654321/" in text, "the 404s were logged and captured"
    assert '"GET /cases/clients/ HTTP/1.1" 200 1234' in text, "the request line kept its path"
    assert leaks(text) == [], text
    assert "?q=" not in text


def test_the_scan_finds_a_value_a_view_would_log(client, counselor):
    # The capture and scan are real: a search term logged by code is found.
    with captured_logs() as logs:
        logging.getLogger("cases.views").info("searched for %s", PHONE)
        logging.getLogger("django.request").warning("Not Found: %s", f"/cases/?q={NICKNAME}")

    text = logs.getvalue()
    assert leaks(text) == [PHONE]  # the query string of the second record was stripped
    assert "Not Found: /cases/" in text


def test_an_exception_is_logged_with_its_type_but_not_its_message():
    with captured_logs() as logs:
        try:
            raise ValueError(f"duplicate key (phone)=({PHONE})")
        except ValueError:
            logging.getLogger("django.request").exception("Internal Server Error: /cases/")

    text = logs.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "builtins.ValueError (message withheld)" in text
    assert leaks(text) == []


def test_runserver_logs_the_path_without_the_query_string():
    with captured_logs() as logs:
        _runserver_request_line(f"GET /cases/intake/?q={NICKNAME}&tab=queue HTTP/1.1", "200")

    assert '"GET /cases/intake/ HTTP/1.1" 200 1234' in logs.getvalue()
    assert leaks(logs.getvalue()) == []


def test_error_reports_hide_every_submitted_value(rf):
    from django.views.debug import get_exception_reporter_filter

    request = rf.post("/cases/intake/new/", {"nickname": NICKNAME, "phone": PHONE})
    cleansed = get_exception_reporter_filter(request).get_post_parameters(request)

    assert set(cleansed) == {"nickname", "phone"}
    assert leaks(str(cleansed)) == []
    assert settings.ADMINS == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorns_access_log_keeps_the_path_without_the_query_string():
    # The real server with the project's gunicorn.conf.py, as the Docker image starts it.
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
        "DEBUG": "true",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tsunagari.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/cases/clients/?q={PHONE}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except urllib.error.HTTPError:
                break  # answered (a redirect to sign in, or an error): it was logged
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        # A calendar feed address: its secret must not reach the access log either.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/agenda/feed/{FEED_SECRET}.ics")
        except urllib.error.HTTPError:
            pass
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    access = [line for line in output.splitlines() if '"GET /cases/clients/ HTTP/1.1"' in line]
    assert access, output
    assert leaks(output) == [], output
    assert FEED_SECRET not in output and "/agenda/feed/….ics" in output, output


FEED_SECRET = "Zq8sWalkFeedSecretThatMustNotBeLogged0000"


def test_a_calendar_feed_secret_is_not_logged(client):
    with captured_logs() as logs:
        assert client.get(f"/agenda/feed/{FEED_SECRET}.ics").status_code == 404
    text = logs.getvalue()
    assert "Not Found: /agenda/feed/….ics" in text, text
    assert FEED_SECRET not in text


def test_a_failed_celery_task_is_logged_without_the_exceptions_message():
    # Celery's own failure line, from a real task run through Celery's tracer.
    from tsunagari.celery import app

    @app.task(name="tests.logs.fails_with_a_phone_number")
    def fails() -> None:
        raise ValueError(f"duplicate key (phone)=({PHONE})")

    with captured_logs() as logs:
        fails.apply()

    text = logs.getvalue()
    assert "tests.logs.fails_with_a_phone_number" in text and "raised unexpected" in text
    assert "ValueError (message withheld)" in text
    assert leaks(text) == []
