"""Bad input never gets a 500: every URL of the app, as every persona, with real ids, ids that
do not exist, garbage query strings and empty or garbage POST bodies."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cases.models import CaseClosureRequest, CaseNote, RiskFlag, SupportAction, SupportGoal
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from followups.models import FollowUp
from notifications.models import Notification
from openings.models import OpeningException

pytestmark = pytest.mark.django_db

# Ending the session or switching language would change the persona mid-walk.
SKIPPED = {"accounts:logout", "set_language", "healthz"}

GARBAGE_QUERY = {
    "q": "\x00ゆき' OR 1=1 --",
    "page": "-1",
    "month": "2022-13",
    "channel": "fax",
    "client": "abc",
    "case": "\x00",
    "consultation": "9" * 30,
    "status": "zzz",
    "priority": "high;drop",
    "tab": "queue",
    "kind": "<script>",
    "ward": "999999",
    "risk": "maybe",
    "next": "https://evil.example/",
}
GARBAGE_POST = {
    "body": "\x00",
    "reason": "nope",
    "status": "closed",
    "due_at": "2022-02-30T25:61",
    "counselors": ["abc", "-1"],
    "kind": "nope",
    "decision": "maybe",
    "date": "yesterday",
    "nickname": "",
    "merged": "abc",
    "what": "x" * 1000,
    "next": "//evil.example/",
}


def _patterns(resolvers, prefix="", namespace=None):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _patterns(
                entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


@pytest.fixture
def world(counselor, supervisor):
    her = ClientFactory(nickname="ゆき", counselors=[counselor])
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
    now = timezone.now()
    return {
        "client": her,
        "consultation": consultation,
        "case": case,
        "flag": RiskFlag.objects.create(client=her, kind=RiskFlag.Kind.MINOR, set_by=counselor),
        "note": CaseNote.objects.create(case=case, author=counselor, body="記録"),
        "goal": SupportGoal.objects.create(case=case, text="住まい", created_by=counselor),
        "action": SupportAction.objects.create(
            case=case, description="同行", owner=counselor, created_by=counselor
        ),
        "request": CaseClosureRequest.objects.create(
            case=case, reason="resolved", requested_by=counselor
        ),
        "followup": FollowUp.objects.create(
            client=her,
            case=case,
            what="電話",
            due_at=now + datetime.timedelta(hours=1),
            assignee=counselor,
            created_by=counselor,
        ),
        "notification": Notification.objects.create(
            user=counselor, kind="other", title="t", dedupe_key="k"
        ),
        "exception": OpeningException.objects.create(
            date=datetime.date(2030, 1, 1), kind=OpeningException.Kind.CLOSURE
        ),
    }


def _object_for(route: str, kwarg: str, world: dict):
    if kwarg != "pk":
        return world[
            {
                "flag_pk": "flag",
                "note_pk": "note",
                "goal_pk": "goal",
                "action_pk": "action",
                "request_pk": "request",
            }[kwarg]
        ]
    for start, key in [
        ("cases/clients/", "client"),
        ("cases/consultations/", "consultation"),
        ("followups/", "followup"),
        ("notifications/", "notification"),
        ("openings/exceptions/", "exception"),
        ("cases/", "case"),
    ]:
        if route.startswith(start):
            return world[key]
    raise AssertionError(f"no object for {route} {kwarg}")


def _urls(world: dict) -> list[str]:
    urls = []
    for name, route in _patterns(get_resolver().url_patterns):
        if name in SKIPPED:
            continue
        kwargs = [part.split(":")[1].split(">")[0] for part in route.split("<")[1:]]
        real, missing = "/" + route, "/" + route
        for kwarg in kwargs:
            placeholder = f"<int:{kwarg}>"
            real = real.replace(placeholder, str(_object_for(route, kwarg, world).pk))
            missing = missing.replace(placeholder, "987654")
        urls.append(real)
        if kwargs:
            urls.append(missing)
    return urls


def test_no_page_or_action_answers_500_to_anyone(
    world, counselor, colleague, coordinator, supervisor, expert, outsider
):
    urls = _urls(world)
    assert len(urls) > 40
    failures = []
    for user in [counselor, colleague, coordinator, supervisor, expert, outsider, None]:
        http = HttpClient(raise_request_exception=False)
        if user is not None:
            http.force_login(user)
        for url in urls:
            for method, kwargs in [
                ("get", {}),
                ("get", {"data": GARBAGE_QUERY}),
                ("post", {}),
                ("post", {"data": GARBAGE_POST}),
            ]:
                response = getattr(http, method)(url, **kwargs)
                if response.status_code >= 500:
                    failures.append(f"{user} {method.upper()} {url} {kwargs and 'garbage'}")
    assert failures == []


# Pages that show no personal data, so they write no access-log row: the blank intake form.
NO_PERSONAL_DATA = {"/cases/intake/new/"}


def test_every_page_that_shows_personal_data_writes_an_access_log_row(world, supervisor):
    from audit.models import AccessLog

    http = HttpClient()
    http.force_login(supervisor)
    unlogged = []
    for url in _urls(world):
        if not url.startswith(("/cases/", "/followups/", "/notifications/")):
            continue
        if url in NO_PERSONAL_DATA:
            continue
        before = AccessLog.objects.count()
        response = http.get(url)
        if response.status_code == 200 and AccessLog.objects.count() == before:
            unlogged.append(url)
    assert unlogged == []
