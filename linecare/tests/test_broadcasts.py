"""Outreach broadcasts against the fake LINE API: segments (blocked friends never included),
approval rules, batches of at most 500 with a retry key each, the month's quota, and a 429
in the middle that resumes without sending any batch twice."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activities.models import PeerSession, SessionRegistration
from cases.tests.factories import ClientFactory
from core.roles import Role
from line.models import Conversation, LineUser, Message
from linecare import report, selectors
from linecare.models import Broadcast, BroadcastBatch
from linecare.services import broadcasts as services

pytestmark = pytest.mark.django_db

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def uid(n: int) -> str:
    return f"U{n:032x}"


def friends(count: int, *, start: int = 1, **fields) -> list[LineUser]:
    now = timezone.now()
    return LineUser.objects.bulk_create(
        LineUser(
            line_user_id=uid(start + i),
            is_friend=True,
            friend_state_at=now,
            first_followed_at=fields.get("first_followed_at", now),
        )
        for i in range(count)
    )


@pytest.fixture
def second_supervisor(db):
    return UserFactory(username="supervisor2", roles=[Role.SUPERVISOR])


def draft(by, **fields) -> Broadcast:
    values = {"title": "お知らせ", "text": "相談窓口は水曜と日曜に開いています。", "segment": "all"}
    return services.broadcast_save(by=by, **{**values, **fields})


def approved(coordinator, supervisor, **fields) -> Broadcast:
    broadcast = services.broadcast_submit(broadcast=draft(coordinator, **fields), by=coordinator)
    return services.broadcast_approve(broadcast=broadcast, by=supervisor)


def sent_ids(fake_line) -> list[str]:
    return [to for m in fake_line.state.multicasts for to in m["to"]]


# --- segments -------------------------------------------------------------------------------


def test_blocked_and_unfollowed_friends_are_never_in_any_segment(db):
    friends(3)
    blocked = friends(1, start=100)[0]
    blocked.is_friend = False
    blocked.save()
    client = ClientFactory(ward="271021")
    blocked.client = client
    blocked.save()
    for segment in ("all", "never_wrote", "followed_between"):
        ids = set(
            selectors.segment_recipients(
                segment, period_start=timezone.localdate(), period_end=timezone.localdate()
            ).values_list("line_user_id", flat=True)
        )
        assert uid(100) not in ids and len(ids) == 3
    assert not selectors.segment_recipients("ward", ward="271021").exists()


def test_each_segment_is_one_query(django_assert_num_queries):
    friends(5)
    for segment in ("all", "ward", "peer_support", "never_wrote", "followed_between"):
        with django_assert_num_queries(1):
            list(
                selectors.segment_recipients(
                    segment,
                    ward="271021",
                    period_start=datetime.date(2022, 4, 1),
                    period_end=datetime.date(2023, 3, 31),
                )
            )


def test_the_segments_choose_by_ward_peer_support_writing_and_follow_date(counselor):
    a, b, c, d = friends(4)
    in_kita = ClientFactory(ward="271276")
    attended = ClientFactory(ward="271021")
    a.client, b.client = in_kita, attended
    a.save()
    b.save()
    old = datetime.datetime(2022, 5, 10, 3, tzinfo=datetime.UTC)
    LineUser.objects.filter(pk=d.pk).update(first_followed_at=old)
    start = timezone.now() - datetime.timedelta(days=3)
    session = PeerSession.objects.create(
        title="パステルアート",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=8,
        venue="市民交流センター",
        status="held",
        created_by=counselor,
    )
    SessionRegistration.objects.create(
        session=session, client=attended, status="attended", registered_by=counselor
    )
    conversation = Conversation.objects.create(
        line_user=c,
        client=ClientFactory(),
        opened_at=start,
        last_message_at=start,
        last_incoming_at=start,
    )
    Message.objects.create(
        conversation=conversation,
        direction="in",
        kind="text",
        text="こんにちは",
        sent_at=start,
        status="received",
    )

    def ids(segment, **kw):
        return set(selectors.segment_recipients(segment, **kw).values_list("pk", flat=True))

    assert ids("ward", ward="271276") == {a.pk}
    assert ids("peer_support") == {b.pk}
    assert ids("peer_support", period_start=timezone.localdate()) == set()  # before the period
    assert ids("never_wrote") == {a.pk, b.pk, d.pk}
    may = {"period_start": datetime.date(2022, 5, 1), "period_end": datetime.date(2022, 5, 31)}
    assert ids("followed_between", **may) == {d.pk}


# --- composing and approval -----------------------------------------------------------------


def test_approval_needs_a_supervisor_who_did_not_write_it(
    coordinator, supervisor, second_supervisor, counselor, fake_line
):
    friends(2)
    with pytest.raises(PermissionDenied):
        draft(counselor)
    broadcast = services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)
    with pytest.raises(PermissionDenied):
        services.broadcast_approve(broadcast=broadcast, by=coordinator)
    # A supervisor may write one; another supervisor approves it.
    own = services.broadcast_submit(broadcast=draft(supervisor), by=supervisor)
    with pytest.raises(ValidationError) as refused:
        services.broadcast_approve(broadcast=own, by=supervisor)
    assert refused.value.code == "author"
    assert services.broadcast_approve(broadcast=own, by=second_supervisor).status == "approved"
    assert services.broadcast_approve(broadcast=broadcast, by=supervisor).status == "approved"
    # The database refuses an author approving her own, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Broadcast.objects.filter(pk=own.pk).update(approved_by=supervisor)


def test_a_supervisor_sends_it_back_with_a_reason_and_it_is_a_draft_again(coordinator, supervisor):
    friends(1)
    broadcast = services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)
    with pytest.raises(ValidationError):
        services.broadcast_return(broadcast=broadcast, by=supervisor, reason=" ")
    broadcast = services.broadcast_return(broadcast=broadcast, by=supervisor, reason="日付を追記")
    assert (broadcast.status, broadcast.returned_reason) == ("draft", "日付を追記")
    # Every state change left a history row.
    assert [e.status for e in broadcast.events.order_by("pgh_id")] == [
        "draft",
        "submitted",
        "draft",
    ]


def test_only_a_draft_is_edited_and_an_empty_segment_is_not_submitted(coordinator, supervisor):
    empty = draft(coordinator, segment="ward", ward="271021")
    with pytest.raises(ValidationError) as refused:
        services.broadcast_submit(broadcast=empty, by=coordinator)
    assert refused.value.code == "nobody"
    friends(1)
    submitted = services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)
    with pytest.raises(ValidationError):
        services.broadcast_save(
            by=coordinator, broadcast=submitted, title="x", text="y", segment="all"
        )


def test_an_uploaded_image_is_checked_by_its_content(coordinator):
    with pytest.raises(ValidationError) as refused:
        draft(coordinator, upload=b"GIF89a" + b"\x00" * 100)
    assert "image" in refused.value.error_dict
    with pytest.raises(ValidationError):
        draft(coordinator, upload=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)  # only the header
    with pytest.raises(ValidationError):
        draft(coordinator, upload=PNG_1PX + b"\x00" * (10 * 1024 * 1024))
    broadcast = draft(coordinator, upload=PNG_1PX)
    assert broadcast.image_type == "image/png" and broadcast.image_key is not None


# --- sending --------------------------------------------------------------------------------


def test_1203_recipients_go_in_three_batches_with_a_retry_key_each(
    coordinator, supervisor, fake_line
):
    friends(1203)
    blocked = friends(2, start=5000)
    LineUser.objects.filter(pk__in=[u.pk for u in blocked]).update(is_friend=False)
    broadcast = approved(coordinator, supervisor)
    batches = list(broadcast.batches.order_by("number"))
    assert [b.size for b in batches] == [500, 500, 203]
    assert len({b.retry_key for b in batches}) == 3
    assert services.broadcast_send(broadcast_id=broadcast.pk) == "sent"
    assert [len(m["to"]) for m in fake_line.state.multicasts] == [500, 500, 203]
    assert [m["key"] for m in fake_line.state.multicasts] == [str(b.retry_key) for b in batches]
    ids = sent_ids(fake_line)
    assert len(ids) == len(set(ids)) == 1203
    assert uid(5000) not in ids and uid(5001) not in ids
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.recipients, broadcast.sent_count) == ("sent", 1203, 1203)
    assert fake_line.state.consumption == 1203
    text = fake_line.state.multicasts[0]["messages"][0]
    assert text == {"type": "text", "text": "相談窓口は水曜と日曜に開いています。"}


def test_a_429_on_the_second_batch_resumes_without_sending_any_batch_twice(
    coordinator, supervisor, fake_line
):
    friends(1203)
    broadcast = approved(coordinator, supervisor)
    fake_line.state.answer_next(0)  # the first batch goes through
    fake_line.state.answer_next(429)  # the second is refused for now
    assert services.broadcast_send(broadcast_id=broadcast.pk) == services.RETRY
    broadcast.refresh_from_db()
    assert broadcast.status == "sending" and broadcast.sent_count == 500
    assert broadcast.next_attempt_at > timezone.now()
    # Not due yet: the sweep leaves it alone.
    assert services.broadcasts_send_due() == 0
    later = broadcast.next_attempt_at + datetime.timedelta(seconds=1)
    assert services.broadcast_send(broadcast_id=broadcast.pk, now=later) == "sent"
    counts = Counter(sent_ids(fake_line))
    assert len(counts) == 1203 and set(counts.values()) == {1}  # every friend exactly once
    keys = [m["key"] for m in fake_line.state.multicasts]
    assert len(keys) == len(set(keys)) == 3
    second = broadcast.batches.get(number=2)
    assert (second.status, second.attempts, second.answer_status) == ("sent", 2, 200)
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.sent_count, broadcast.failed_count) == ("sent", 1203, 0)


def test_the_sweep_sends_an_approved_broadcast_whose_task_was_lost(
    coordinator, supervisor, fake_line
):
    friends(4)
    broadcast = approved(coordinator, supervisor)  # its task never ran (on commit, here)
    assert services.broadcasts_send_due() == 1
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.sent_count) == ("sent", 4)
    assert services.broadcasts_send_due() == 0  # nothing left: sent once
    assert len(fake_line.state.multicasts) == 1


def test_a_409_for_a_retry_key_line_already_took_counts_as_sent(coordinator, supervisor, fake_line):
    friends(3)
    broadcast = approved(coordinator, supervisor)
    batch = broadcast.batches.get()
    fake_line.state.retry_keys.add(str(batch.retry_key))  # taken before the answer was lost
    assert services.broadcast_send(broadcast_id=broadcast.pk) == "sent"
    batch.refresh_from_db()
    assert (batch.status, batch.answer_status) == ("sent", 409)
    assert fake_line.state.multicasts == []  # LINE did not deliver it a second time


def test_a_refused_batch_fails_with_its_reason_and_the_others_still_go(
    coordinator, supervisor, fake_line
):
    friends(600)
    broadcast = approved(coordinator, supervisor)
    fake_line.state.answer_next(400)
    assert services.broadcast_send(broadcast_id=broadcast.pk) == "sent"
    first, second = broadcast.batches.order_by("number")
    assert (first.status, first.failure_reason) == ("failed", "refused:HTTP 400")
    assert second.status == "sent"
    broadcast.refresh_from_db()
    assert (broadcast.sent_count, broadcast.failed_count) == (100, 500)


def test_line_down_for_good_ends_failed_after_the_last_attempt(coordinator, supervisor, fake_line):
    friends(2)
    broadcast = approved(coordinator, supervisor)
    now = timezone.now()
    fake_line.state.answer_next(500, times=services.SEND_MAX_ATTEMPTS)
    for _ in range(services.SEND_MAX_ATTEMPTS):
        services.broadcast_send(broadcast_id=broadcast.pk, now=now)
        now += datetime.timedelta(hours=1)
    broadcast.refresh_from_db()
    assert (broadcast.status, broadcast.failed_count) == ("failed", 2)
    assert broadcast.failure_reason == "gave_up:HTTP 500"


def test_an_image_goes_with_the_text_from_the_sites_https_address(
    coordinator, supervisor, fake_line, settings
):
    settings.SITE_URL = "https://tsunagari.example.org"
    friends(2)
    broadcast = approved(coordinator, supervisor, static_image="img/broadcasts/peer-support.png")
    services.broadcast_send(broadcast_id=broadcast.pk)
    text, image = fake_line.state.multicasts[0]["messages"]
    assert image["type"] == "image"
    assert image["originalContentUrl"].startswith("https://tsunagari.example.org/static/img/")


def test_an_image_without_an_https_site_is_refused_at_approval(
    coordinator, supervisor, fake_line, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    friends(1)
    broadcast = draft(coordinator, upload=PNG_1PX)
    services.broadcast_submit(broadcast=broadcast, by=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.broadcast_approve(broadcast=broadcast, by=supervisor)
    assert refused.value.code == "image_url"


# --- the month's quota ----------------------------------------------------------------------


def test_approval_is_refused_when_the_quota_would_be_exceeded(coordinator, supervisor, fake_line):
    friends(30)
    fake_line.state.quota, fake_line.state.consumption = 1000, 980
    broadcast = services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)
    quota = services.quota_get()
    assert (quota.limit, quota.used, quota.remaining) == (1000, 980, 20)
    with pytest.raises(ValidationError) as refused:
        services.broadcast_approve(broadcast=broadcast, by=supervisor)
    assert refused.value.code == "quota" and "20" in refused.value.messages[0]
    broadcast.refresh_from_db()
    assert broadcast.status == "submitted" and not broadcast.batches.exists()
    fake_line.state.quota = 1010
    assert services.broadcast_approve(broadcast=broadcast, by=supervisor).status == "approved"


def test_the_quota_is_checked_again_at_send_time(coordinator, supervisor, fake_line):
    friends(30)
    fake_line.state.quota = 100
    broadcast = approved(coordinator, supervisor)
    fake_line.state.consumption = 90  # other sends since the approval
    assert services.broadcast_send(broadcast_id=broadcast.pk) == "failed"
    assert fake_line.state.multicasts == []
    broadcast.refresh_from_db()
    assert broadcast.failed_count == 30 and "10" in broadcast.failure_reason


def test_unknown_quota_refuses_approval(coordinator, supervisor, line_settings):
    line_settings.LINE_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    friends(1)
    assert not services.quota_get().known
    broadcast = services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.broadcast_approve(broadcast=broadcast, by=supervisor)
    assert refused.value.code == "quota"


def test_a_quota_of_none_means_no_limit(fake_line):
    fake_line.state.quota = None
    quota = services.quota_get()
    assert quota.known and quota.limit is None and quota.allows(10**6)


# --- constraints and the report ---------------------------------------------------------------


def test_the_database_refuses_a_batch_over_500_or_a_repeated_number(coordinator):
    broadcast = draft(coordinator)
    ids = [uid(i) for i in range(501)]
    with pytest.raises(IntegrityError), transaction.atomic():
        BroadcastBatch.objects.create(broadcast=broadcast, number=1, to=ids, size=501)
    BroadcastBatch.objects.create(broadcast=broadcast, number=1, to=ids[:2], size=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        BroadcastBatch.objects.create(broadcast=broadcast, number=1, to=ids[2:4], size=2)


def test_the_report_counts_broadcasts_sent_and_friends_reached(
    coordinator, supervisor, fake_line, django_assert_num_queries
):
    friends(7)
    services.broadcast_send(broadcast_id=approved(coordinator, supervisor).pk)
    draft(coordinator)  # not sent: not counted
    today = timezone.localdate()
    with django_assert_num_queries(1):
        figures = selectors.broadcast_figures(today, today)
    assert figures == {"broadcasts_sent": 1, "recipients": 7}
    numbers = report.report_numbers(today, today)
    assert numbers["outreach"] == {"broadcasts_sent": 1, "recipients": 7}
    keys = {row.key for row in report.report_rows(numbers)}
    assert {"outreach.broadcasts_sent", "outreach.recipients", "survey.responses"} <= keys
