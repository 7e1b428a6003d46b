"""Bad input never gets a 500, and a refused submission writes nothing.

Every URL pattern (every app's and the admin's, found in the resolver) is visited as every
persona and anonymously, with real objects of one shared world and with ids that do not exist.
Every form on every page is submitted with valid-looking values, then with one field at a time
made hostile; every page's query parameters are given hostile values. Every response must carry
the security headers (CSP without unsafe-inline, no-store, ...: `walk.security_header_problems`).
How: `walk.py`.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.models import User
from activities import services as activity_services
from agenda.models import CalendarFeedToken
from agenda.selectors import token_hash
from audit.models import AccessLog, SecurityEvent
from audit.services import break_glass_record, security_event_record
from cases.models import Case, Client, Consultation
from cases.services import cases as case_services
from cases.services import clients as client_services
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.time import start_of_day
from followups.services import followup_create
from line import webhook as line_webhook
from line.models import (
    CannedResponse,
    Conversation,
    Escalation,
    LineUser,
    SessionInvitation,
    WebhookEvent,
)
from line.models import Conversation as LineConversation
from line.models import Message as LineMessage
from line.services import conversations as line_conversations
from line.services import events as line_events
from line.services import inbox as line_inbox
from line.services import invitations as line_invitations
from line.services import outbound as line_outbound
from linecare.models import Broadcast, Protocol
from linecare.services.broadcasts import broadcast_save
from linecare.services.protocols import protocol_open
from linecare.tests.test_broadcasts import PNG_1PX as WALK_PNG
from notifications.models import DigestRun, Notification
from notifications.services import notification_send
from openings.models import Channel, OpeningException
from openings.services import opening_exception_create, opening_rule_create
from privacy.services import (
    client_anonymise_for_retention,
    consent_withdraw,
    erasure_request_create,
)
from referrals import services as referral_services
from supplies import services as supply_services
from supplies.models import Kit

from .walk import (
    MISSING_ID,
    Pattern,
    Persona,
    Walk,
    coherent,
    fill_route,
    kwarg_model,
    url_patterns,
)

pytestmark = pytest.mark.django_db

SKIPPED = {
    # Ending the session or switching language would change the persona mid-walk.
    "accounts:logout",
    "admin:logout",
    "set_language",
    # Talks to Redis and the database only; tsunagari/tests/test_healthz.py covers it.
    "healthz",
    # DEBUG only (404 otherwise, as here); line/tests/test_report_pages_privacy.py covers it.
    "line:simulator",
}

# Django's own keywords that name no model of ours. `url` is the admin's catch-all.
# `key`: the uploaded image of the world's broadcast (linecare:broadcast_image).
BROADCAST_IMAGE_KEY = "6f1c2a4e-0b7d-4c3e-9a51-2d8e4f6a7b90"
PLAIN_KWARGS = {
    "url": ["cases/client", "nowhere/"],
    "token": ["walk-calendar-feed-secret"],
    "key": [BROADCAST_IMAGE_KEY],
}
# The admin's "view on site" takes a content type and an object of it.
VIEW_ON_SITE = "admin:view_on_site"

World = dict[type[models.Model], list[models.Model]]


@pytest.fixture
def world(counselor, colleague, coordinator, supervisor, expert) -> World:
    """One of every record, made the way the application makes them where practical."""
    today = timezone.localdate()
    now = timezone.now()
    her = ClientFactory(nickname="ゆき", phone="0612345678", counselors=[counselor])
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
    flag = client_services.risk_flag_set(client=her, kind="minor", by=counselor, note="要注意")
    note = case_services.case_note_add(case=case, body="記録", by=counselor)
    goal = case_services.support_goal_add(case=case, text="住まい", by=counselor)
    action = case_services.support_action_add(
        case=case, description="同行", owner=counselor, due_on=None, by=counselor, goal=goal
    )
    followup = followup_create(
        client=her,
        case=case,
        consultation=consultation,
        what="電話",
        due_at=now + datetime.timedelta(hours=1),
        assignee=counselor,
        by=counselor,
    )
    # A second client with a case awaiting a supervisor's decision on closing.
    mika = ClientFactory(nickname="みか", counselors=[counselor])
    closing_case = CaseFactory(client=mika, counselors=[counselor], opened_by=counselor)
    closure = case_services.case_request_closure(
        case=closing_case, reason="resolved", note="解決", by=counselor
    )
    # A third with a closed case (its page offers reopening).
    rin = ClientFactory(nickname="りん", counselors=[counselor])
    closed_case = CaseFactory(client=rin, counselors=[counselor], opened_by=counselor)
    case_services.case_approve_closure(
        request=case_services.case_request_closure(
            case=closed_case, reason="moved", note="", by=counselor
        ),
        by=supervisor,
    )
    # Nobody's yet: the intake queue. And a duplicate record merged into her.
    queued = ClientFactory(nickname="あおい")
    ConsultationFactory(client=queued, recorded_by=colleague)
    duplicate = ClientFactory(nickname="ゆき（重複）", counselors=[counselor])
    merge = client_services.client_merge(kept=her, merged=duplicate, by=supervisor)
    notification = notification_send(
        user=counselor, kind=Notification.Kind.OTHER, title="お知らせ", url="/", dedupe_key="walk"
    )
    rule = opening_rule_create(
        channel=Channel.LINE,
        weekday=today.weekday(),
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=today,
        by=supervisor,
    )
    exception = opening_exception_create(
        channel=Channel.LINE,
        date=today + datetime.timedelta(days=28),  # a day its weekly rule opens
        kind=OpeningException.Kind.CLOSURE,
        by=supervisor,
    )
    AccessLog.objects.create(
        user=supervisor, action="view", object_type="cases.client", object_id=str(her.pk)
    )
    # Her rights: an erasure request for rin awaiting a supervisor, a consent withdrawal.
    erasure = erasure_request_create(client=rin, received_via="phone", reason="", by=counselor)
    withdrawal = consent_withdraw(client=her, scope="sharing", method="line", by=counselor)
    # Long quiet: anonymised by the retention run, years from now.
    quiet = ClientFactory(nickname="しずか")
    anonymised = client_anonymise_for_retention(
        client=quiet, now=now + datetime.timedelta(days=(settings.RETENTION_YEARS + 1) * 366)
    )
    # A break-glass opening of the queued woman, and a failed sign-in.
    request = RequestFactory().get("/")
    request.user = colleague
    grant = break_glass_record(
        request=request,
        object_type=Client,
        object_id=queued.pk,
        reason="夜間の緊急連絡",
        expires_at=now + datetime.timedelta(hours=1),
    )
    event = security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, username="walk")
    DigestRun.objects.create(user=counselor, date=today, item_count=1)
    interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.create(minute="15", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=34.69, longitude=135.50)
    ClockedSchedule.objects.create(clocked_time=now + datetime.timedelta(days=1))
    PeriodicTask.objects.create(name="walk", task="followups.tasks.sweep_due", interval=interval)
    # Referrals: a partner, her consent to sharing, a sent referral (with its provision record)
    # and a draft, an accompaniment and a support-coordination meeting.
    hana = ClientFactory(nickname="はな", counselors=[counselor])
    hana_case = CaseFactory(client=hana, counselors=[counselor], opened_by=counselor)
    partner = referral_services.partner_create(
        by=supervisor, name="なにわフードパントリー（架空）", kind="food_pantry", services=["food"]
    )
    sharing = referral_services.consent_record(
        client=hana,
        given_at=now - datetime.timedelta(hours=1),
        method="line",
        scope=["nickname", "situation"],
        by=counselor,
    )
    referral = referral_services.referral_create(
        case=hana_case, partner=partner, reason="食料", shared_items=["nickname"], by=counselor
    )
    referral_services.referral_send(referral=referral, consent=sharing, by=counselor)
    draft = referral_services.referral_create(
        case=hana_case, partner=partner, reason="相談", shared_items=["situation"], by=counselor
    )
    accompaniment = referral_services.accompaniment_book(
        case=hana_case,
        place="区役所",
        starts_at=now + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
        referral=referral,
    )
    meeting = referral_services.meeting_record(
        held_at=now - datetime.timedelta(hours=2),
        title="支援調整会議",
        by=counselor,
        cases=[
            referral_services.MeetingCaseInput(
                case=hana_case, shared_items=["nickname"], consent=sharing
            )
        ],
        organisations=[partner],
    )
    # Activities: a peer session with her registered, an expert day with her booked; and a
    # calendar feed address (its secret is the walk's `token`).
    # At 14:00 in Tokyo three days ahead: two hours from "now + 3 days" crossed midnight in
    # Tokyo when the suite ran after 22:00 there, and an expert day may not.
    start = start_of_day(timezone.localdate(now) + datetime.timedelta(days=3)) + datetime.timedelta(
        hours=14
    )
    peer = activity_services.session_create(
        by=supervisor,
        title="パステルアート",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        venue="区民センター",
        capacity=8,
    )
    registration = activity_services.session_register(session=peer, client=her, by=counselor)
    expert_day = activity_services.expert_day_create(
        kind="legal",
        expert=expert,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        slot_minutes=60,
        by=supervisor,
    )
    booking = activity_services.expert_book(
        slot=expert_day.slots.order_by("starts_at").first(),
        client=her,
        referral_note="養育費について",
        by=counselor,
    )
    feed_token = CalendarFeedToken.objects.create(
        user=counselor, token_hash=token_hash(PLAIN_KWARGS["token"][0])
    )
    # Supplies: a storage and a site, a kit received and distributed, one handed to her in her
    # consultation, a site request waiting.
    kit = Kit.objects.get(code="handout")
    storage = supply_services.place_create(by=supervisor, name="事務局", site_type="storage")
    supply_site = supply_services.place_create(
        by=supervisor, name="食堂", site_type="kodomo_shokudo"
    )
    supply_services.stock_receive(item=kit, place=storage, quantity=20, by=supervisor)
    [distribution, *_] = supply_services.stock_distribute(
        item=kit, source=storage, target=supply_site, quantity=5, by=supervisor
    )
    supply_services.stock_hand_out(
        consultation=consultation, item=kit, source=storage, quantity=1, by=counselor
    )
    site_request = supply_services.site_request_create(
        site=supply_site, item=distribution.item, quantity=10, by=supervisor
    )
    objects: World = {
        Client: [her, queued, rin],
        Case: [case, closing_case, closed_case],
        User: [counselor, expert],
    }
    for record in [consultation, flag, note, goal, action, followup, closure, merge]:
        objects.setdefault(type(record), []).append(record)
    for record in [notification, rule, exception, erasure, withdrawal, anonymised, grant, event]:
        objects.setdefault(type(record), []).append(record)
    for record in [partner, sharing, referral, draft, accompaniment, meeting]:
        objects.setdefault(type(record), []).append(record)
    # LINE: an event stored and processed by the services, as the webhook stores it.
    line_event = line_events.events_store(
        line_webhook.parse(
            json.dumps(
                {
                    "events": [
                        {
                            "type": "message",
                            "timestamp": int(now.timestamp() * 1000) - 3_600_000,
                            "source": {"type": "user", "userId": "U" + "9" * 32},
                            "webhookEventId": "01WALK0000000000000000000",
                            "deliveryContext": {"isRedelivery": False},
                            # A risk word: the triage marks the conversation urgent.
                            "message": {"id": "1", "type": "text", "text": "もう死にたい"},
                        }
                    ]
                }
            ).encode()
        )
    )[0]
    line_events.event_process(event_id=line_event)
    objects[WebhookEvent] = [WebhookEvent.objects.get(pk=line_event)]
    for record in [storage, supply_site, distribution, site_request]:
        objects.setdefault(type(record), []).append(record)
    for record in [peer, registration, expert_day, booking, feed_token]:
        objects.setdefault(type(record), []).append(record)
    # The inbox: her conversation held by the counselor, escalated, with a reply that failed;
    # a canned response.
    conversation = LineConversation.objects.get()
    line_conversations.conversation_claim(conversation=conversation, by=counselor)
    escalation = line_inbox.conversation_escalate(
        conversation=conversation, kind="life", by=counselor
    )
    reply = line_outbound.message_queue(conversation=conversation, text="こんにちは", by=counselor)
    LineMessage.objects.filter(pk=reply.pk).update(status="failed", failure_reason="gave_up:x")
    canned = line_inbox.canned_response_save(title="挨拶", text="こんにちは", by=supervisor)
    objects[LineConversation] = [conversation]
    objects[LineMessage] = [reply, *conversation.messages.filter(direction="in")]
    objects[Escalation] = [escalation]
    objects[CannedResponse] = [canned]
    # The peer session's LINE invitation: the woman of that conversation (a friend of the
    # account) registered, having agreed to be contacted, invited, and the invitation not sent
    # (its page offers a resend).
    LineUser.objects.filter(pk=conversation.line_user_id).update(is_friend=True)
    activity_services.session_register(
        session=peer, client=conversation.client, by=supervisor, contact_agreed=True
    )
    (invitation,) = line_invitations.session_invitations_send(
        session=peer, text="ご案内です", by=supervisor
    )
    LineMessage.objects.filter(pk=invitation.message_id).update(
        status="failed", failure_reason="gave_up:x"
    )
    objects[SessionInvitation] = [invitation]
    # LINE care: the imminent-risk protocol opened on that urgent conversation.
    conversation = Conversation.objects.get(line_user__line_user_id="U" + "9" * 32)
    objects[Conversation] = [conversation]
    objects[Protocol] = [
        protocol_open(
            conversation=conversation, by=counselor, wish_to_die="yes", plan="no",
            means="unknown", time_frame="no", alone="yes",
        )
    ]  # fmt: skip
    # LINE care: a broadcast awaiting approval, with an uploaded image.
    broadcast = broadcast_save(
        by=coordinator, title="お知らせ", text="相談日のお知らせです。", segment="all",
        upload=WALK_PNG,
    )  # fmt: skip
    Broadcast.objects.filter(pk=broadcast.pk).update(
        status="submitted", image_key=BROADCAST_IMAGE_KEY
    )
    objects[Broadcast] = [broadcast]
    return objects


def _objects_of(world: World, model: type[models.Model]) -> list[models.Model]:
    if model in world:
        return world[model]
    first = model._default_manager.order_by("pk").first()
    return [first] if first is not None else []


def _urls_of(pattern: Pattern, world: World) -> tuple[list[str], list[str], str | None]:
    """(URLs with real objects, URLs with ids that do not exist, why it cannot be built)."""
    if not pattern.kwargs:
        return [fill_route(pattern.route, {})], [], None
    if pattern.name == VIEW_ON_SITE:
        her = world[Client][0]
        content_type = ContentType.objects.get_for_model(Client).pk
        real = {"content_type_id": content_type, "object_id": her.pk}
        missing = {"content_type_id": content_type, "object_id": MISSING_ID}
        return [fill_route(pattern.route, real)], [fill_route(pattern.route, missing)], None
    choices: dict[str, list[object]] = {}
    for kwarg in pattern.kwargs:
        if kwarg == "app_label":
            from django.contrib import admin

            choices[kwarg] = sorted({m._meta.app_label for m in admin.site._registry})
        elif kwarg in PLAIN_KWARGS:
            choices[kwarg] = PLAIN_KWARGS[kwarg]
        else:
            model = kwarg_model(pattern, kwarg)
            if model is None:
                return [], [], f"no model found for <{kwarg}> (name the view's model)"
            objects = _objects_of(world, model)
            if not objects:
                return [], [], f"no {model._meta.label} in the world for <{kwarg}>"
            choices[kwarg] = objects
    combos = []
    for values in itertools.product(*choices.values()):
        chosen = dict(zip(choices, values, strict=True))
        records = {k: v for k, v in chosen.items() if isinstance(v, models.Model)}
        if coherent(records):
            combos.append({k: getattr(v, "pk", v) for k, v in chosen.items()})
    if not combos:
        return [], [], "no coherent set of world objects for " + ", ".join(pattern.kwargs)
    missing = {
        k: (MISSING_ID if isinstance(v[0], models.Model) else "nosuch") for k, v in choices.items()
    }
    real = [fill_route(pattern.route, combo) for combo in combos[:3]]
    return real, [fill_route(pattern.route, missing)], None


# The walk is split into shards so that parallel test workers share it. A page's forms and
# links lead to patterns of its own part (an app page to app pages, a model's admin page to that
# model's admin pages), and "never reached" is judged per shard, so the parts are: the apps'
# pages and the admin, each in two halves by app (the apps' half took 15 minutes alone on a
# busy two-core machine). Every persona walks every shard.
ADMIN_SECOND_HALF = {"django_celery_beat", "openings", "privacy", "notifications", "followups"}
APPS_SECOND_HALF = {"line", "linecare", "supplies", "activities", "reports"}
SHARDS = ("apps-a", "apps-b", "admin-a", "admin-b")


def _shard_of(pattern: Pattern) -> str:
    if not pattern.name.startswith("admin:"):
        return "apps-b" if pattern.name.split(":")[0] in APPS_SECOND_HALF else "apps-a"
    parts = pattern.route.split("/")
    return "admin-b" if len(parts) > 2 and parts[1] in ADMIN_SECOND_HALF else "admin-a"


@pytest.mark.timeout(900)  # a whole shard on a busy two-core machine
@pytest.mark.parametrize("shard", SHARDS)
def test_no_page_or_form_answers_500_or_writes_when_it_refuses(
    shard, world, counselor, colleague, coordinator, supervisor, expert, outsider, password, capsys
):
    every = [p for p in url_patterns() if p.name not in SKIPPED]
    assert len(every) > 100, "the admin's and every app's patterns are walked"
    patterns = [p for p in every if _shard_of(p) == shard]
    assert patterns, shard
    unbuildable, urls = [], []
    for pattern in patterns:
        real, missing, problem = _urls_of(pattern, world)
        if problem:
            unbuildable.append(f"{pattern.name} ({pattern.route}): {problem}")
        urls += [(url, True) for url in real] + [(url, False) for url in missing]

    walk = Walk(patterns={p.name: p for p in patterns}, skipped=SKIPPED)
    for user in [counselor, colleague, coordinator, supervisor, expert, outsider, None]:
        http = HttpClient(raise_request_exception=False)
        relogin = None
        if user is not None:
            relogin = functools.partial(http.force_login, user)
            relogin()
        roles = sorted(user.groups.values_list("name", flat=True)) if user else []
        persona = Persona(
            name=user.username if user else "anonymous",
            http=http,
            role=",".join(roles) if user else "anonymous",
            has_role=bool(roles),
            login=((user or counselor).username, password),
            relogin=relogin,
        )
        walk.walk_persona(persona, urls)

    # A pattern is reached when some signed-in persona with a role got past the resolver and
    # the object lookup: anything but 404 and 405 for a URL made of real objects.
    unreached = [
        f"{p.name} ({p.route}): only {sorted(walk.reached.get(p.name, set())) or 'nothing'}"
        for p in patterns
        if not walk.reached.get(p.name, set()) - {404, 405}
    ]
    with capsys.disabled():
        print(f"\nno-500 walk: {walk.summary()}")
        if walk.refused_base:
            print("forms whose valid-looking submission was refused (hostile variants of")
            print("these only reach the validation):", ", ".join(sorted(walk.refused_base)))
    problems = walk.report()
    if unbuildable:
        problems += "\n\n== patterns without a URL\n  " + "\n  ".join(unbuildable)
    if unreached:
        problems += "\n\n== patterns never reached\n  " + "\n  ".join(unreached)
    assert not problems, problems


# Pages that show no personal data, so they write no access-log row: the blank intake form.
NO_PERSONAL_DATA = {"cases:intake_new"}


def test_every_page_that_shows_personal_data_writes_an_access_log_row(world, supervisor):
    http = HttpClient()
    http.force_login(supervisor)
    unlogged = []
    for pattern in url_patterns():
        app = pattern.name.split(":")[0]
        if (
            app not in {"cases", "followups", "notifications", "privacy"}
            or pattern.name in NO_PERSONAL_DATA
        ):
            continue
        for url in _urls_of(pattern, world)[0]:
            before = AccessLog.objects.count()
            response = http.get(url)
            if response.status_code == 200 and AccessLog.objects.count() == before:
                unlogged.append(url)
    assert unlogged == []


def test_a_nul_byte_still_gets_a_400_not_a_500(client, counselor):
    # The walk sends no NUL bytes: the middleware refuses them before any view runs.
    client.force_login(counselor)
    assert client.get("/cases/", {"q": "\x00"}).status_code == 400
    assert client.post("/cases/intake/new/", {"nickname": "\x00"}).status_code == 400


def test_the_world_holds_one_of_every_model_the_admin_shows(world):
    from django.contrib import admin

    empty = [m._meta.label for m in admin.site._registry if not _objects_of(world, m)]
    assert empty == []
    assert Consultation.objects.exists() and Case.objects.filter(status="closed").exists()
