"""LINE invitations to a peer-support session, against a fake LINE on loopback: one push each
with its retry key and the session's text, blocked friends and women not on LINE left out, at
most once per woman per session, a 500 from LINE leaving it failed with a "send again" that
reuses the retry key; who may invite whom; the page's query budget."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from activities import services as activity_services
from activities.models import PeerSession, SessionRegistration
from cases.tests.factories import ClientFactory
from line.models import Conversation, LineUser, Message, SessionInvitation
from line.selectors import invitation_rows
from line.services import outbound
from line.services.invitations import (
    invitation_default_text,
    session_invitation_resend,
    session_invitations_send,
)

pytestmark = pytest.mark.django_db

_ids = itertools.count(900)


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def _english(*users) -> None:
    """Her pages in English (a user's pages follow her own language setting)."""
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


@pytest.fixture
def session(coordinator) -> PeerSession:
    start = timezone.now() + datetime.timedelta(days=4)
    return activity_services.session_create(
        by=coordinator,
        title="パステルアート",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        venue="区民センター",
        capacity=10,
    )


def woman(counselor, *, friend: bool | None = True, nickname: str = "") -> tuple:
    """Her client record (hers to see), and her LINE user with one conversation (None: not on
    LINE at all)."""
    n = next(_ids)
    client = ClientFactory(
        counselors=[counselor], created_by=counselor, nickname=nickname or f"W{n}"
    )
    if friend is None:
        return client, None
    line_user = LineUser.objects.create(line_user_id=f"U{n:032x}", client=client, is_friend=friend)
    at = timezone.now() - datetime.timedelta(days=3)
    Conversation.objects.create(
        line_user=line_user,
        client=client,
        status=Conversation.Status.RESOLVED,
        outcome=Conversation.Outcome.RESOLVED,
        closed_at=at,
        opened_at=at,
        last_message_at=at,
        last_incoming_at=at,
    )
    return client, line_user


def register(session, client, counselor, *, agreed=True) -> SessionRegistration:
    return activity_services.session_register(
        session=session, client=client, by=counselor, contact_agreed=agreed
    )


def send_until_done(message: Message, *, limit: int = 10) -> None:
    """Attempt after attempt, each when due (the backoff simulated by the clock)."""
    for _ in range(limit):
        message.refresh_from_db()
        if message.status != Message.Status.SENDING:
            return
        outbound.message_send(message_id=message.pk, now=message.next_attempt_at)


def test_each_reachable_woman_gets_one_push_with_the_text_and_its_retry_key(
    session, coordinator, counselor, fake_line
):
    yuki, yuki_line = woman(counselor, nickname="ゆき")
    blocked, _blocked_line = woman(counselor, friend=False)
    offline, _none = woman(counselor, friend=None)
    shy, _shy_line = woman(counselor)
    for c in (yuki, blocked, offline):
        register(session, c, counselor)
    register(session, shy, counselor, agreed=False)

    text = invitation_default_text(session)
    assert "パステルアート" in text and "区民センター" in text
    local = timezone.localtime(session.starts_at)
    assert f"{local:%H:%M}" in text and "ゆき" not in text

    (made,) = session_invitations_send(session=session, text=text, by=coordinator)
    assert made.registration.client == yuki
    message = made.message
    assert message.status == Message.Status.SENDING and message.retry_key
    assert message.conversation.line_user == yuki_line
    send_until_done(message)
    assert message.status == Message.Status.SENT
    (push,) = fake_line.state.pushes
    assert push["to"] == yuki_line.line_user_id
    assert push["messages"] == [{"type": "text", "text": text}]
    assert push["key"] == str(message.retry_key)

    states = {r.client_id: r.invitation_state for r in invitation_rows(coordinator, session)}
    assert states == {
        yuki.pk: "sent",
        blocked.pk: "blocked",
        offline.pk: "not_on_line",
        shy.pk: "not_agreed",
    }


def test_a_second_click_sends_nothing_twice(session, coordinator, counselor, fake_line, client):
    yuki, _line = woman(counselor)
    register(session, yuki, counselor)
    _english(coordinator)
    client.force_login(coordinator)
    url = reverse("line:session_invitations_send", args=[session.pk])
    first = client.post(url, {"invite-text": "ご案内です"})
    assert first.status_code == 302
    second = client.post(url, {"invite-text": "ご案内です"})
    assert second.status_code == 400
    assert "Nobody is left to invite" in second.content.decode()
    (invitation,) = SessionInvitation.objects.all()
    assert Message.objects.filter(direction="out").count() == 1
    # The database refuses a second invitation of the same registration as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionInvitation.objects.create(
            session=session,
            registration=invitation.registration,
            message=outbound.message_queue(
                conversation=invitation.message.conversation, text="x", by=coordinator
            ),
            sent_by=coordinator,
        )


def test_a_500_from_line_leaves_it_failed_with_a_send_again_that_reuses_the_retry_key(
    session, coordinator, counselor, fake_line, client
):
    yuki, _line = woman(counselor, nickname="ゆき")
    register(session, yuki, counselor)
    fake_line.state.answer_next(500, times=outbound.SEND_MAX_ATTEMPTS)
    (made,) = session_invitations_send(session=session, text="ご案内です", by=coordinator)
    send_until_done(made.message)
    made.message.refresh_from_db()
    assert made.message.status == Message.Status.FAILED
    assert not fake_line.state.pushes

    _english(counselor)

    client.force_login(counselor)
    page = client.get(reverse("line:session_invitations", args=[session.pk]))
    html = page.content.decode()
    resend = reverse("line:session_invitation_resend", args=[session.pk, made.pk])
    assert page.status_code == 200 and resend in html and "ゆき" in html
    assert client.post(resend).status_code == 302
    send_until_done(made.message)
    assert made.message.status == Message.Status.SENT
    (push,) = fake_line.state.pushes
    assert push["key"] == str(made.message.retry_key)
    # Sent now: another "send again" is refused with the reason, and sends nothing.
    again = client.post(resend)
    assert again.status_code == 400 and "could not be sent" in again.content.decode()
    assert len(fake_line.state.pushes) == 1


def test_a_counselor_invites_her_clients_and_a_coordinator_sees_no_names(
    session, coordinator, counselor, colleague, client
):
    yuki, _a = woman(counselor, nickname="ゆき")
    momo, _b = woman(colleague, nickname="もも")
    register(session, yuki, counselor)
    register(session, momo, colleague)
    made = session_invitations_send(session=session, text="ご案内です", by=counselor)
    assert [m.registration.client for m in made] == [yuki]
    _english(coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("line:session_invitations", args=[session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "ゆき" not in html and "もも" not in html and "Participant 2" in html
    # Invited already by her counselor: the coordinator's send reaches the other one only.
    (second,) = session_invitations_send(session=session, text="ご案内です", by=coordinator)
    assert second.registration.client == momo
    # The session's page shows the counts and leads to the invitations.
    detail = client.get(reverse("activities:session_detail", args=[session.pk])).content.decode()
    assert 'id="line-invitations"' in detail
    assert reverse("line:session_invitations", args=[session.pk]) in detail


def test_no_invitation_for_a_session_begun_or_cancelled_nor_by_an_expert(
    session, coordinator, counselor, expert, client
):
    from django.core.exceptions import PermissionDenied, ValidationError

    yuki, _line = woman(counselor)
    register(session, yuki, counselor)
    with pytest.raises(PermissionDenied):
        session_invitations_send(session=session, text="x", by=expert)
    _english(expert)
    client.force_login(expert)
    assert client.get(reverse("line:session_invitations", args=[session.pk])).status_code == 404
    with pytest.raises(ValidationError):
        session_invitations_send(session=session, text="  ", by=coordinator)
    activity_services.session_cancel(session=session, by=coordinator, reason="台風")
    with pytest.raises(ValidationError) as refused:
        session_invitations_send(session=session, text="ご案内", by=coordinator)
    assert refused.value.code == "not_planned"
    assert not SessionInvitation.objects.exists()
    _ = session_invitation_resend  # (sending again is covered above)


@pytest.mark.parametrize("n", [1, 6])
def test_the_invitations_page_runs_a_fixed_number_of_queries(
    session, coordinator, counselor, client, n, django_assert_max_num_queries
):
    for i in range(n):
        c, _line = woman(counselor, friend=[True, False, None][i % 3])
        register(session, c, counselor)
    session_invitations_send(session=session, text="ご案内です", by=coordinator)
    _english(coordinator)
    client.force_login(coordinator)
    # session, user, device, roles; the session and its facilitators; the registrations with
    # her LINE user and latest conversation, their invitations with messages, the women she
    # may name; the access-log row: measured 10 at both sizes.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("line:session_invitations", args=[session.pk]))
    assert response.status_code == 200
