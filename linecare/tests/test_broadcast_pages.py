"""The broadcast pages: who may see and do what, the preview (count and quota), forms that
re-render with their errors, the image LINE fetches, and the query budgets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.roles import Role
from linecare.models import Broadcast
from linecare.services import broadcasts as services

from .test_broadcasts import PNG_1PX, draft, friends

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(coordinator):
    friends(3)
    return services.broadcast_submit(broadcast=draft(coordinator), by=coordinator)


@pytest.mark.parametrize(
    "persona,allowed",
    [
        ("counselor", False),
        ("expert", False),
        ("outsider", False),
        ("coordinator", True),
        ("supervisor", True),
    ],
)
def test_only_coordinators_and_supervisors_see_broadcasts(
    client, request, persona, allowed, submitted, fake_line
):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("linecare:broadcasts"),
        reverse("linecare:broadcast", kwargs={"broadcast_pk": submitted.pk}),
    ):
        assert client.get(url).status_code == (200 if allowed else 404)
    new = client.get(reverse("linecare:broadcast_new"))
    assert new.status_code == (200 if allowed else 404)


def test_a_counselor_cannot_approve_or_compose_by_posting(client, counselor, submitted):
    client.force_login(counselor)
    approve = reverse("linecare:broadcast_approve", kwargs={"broadcast_pk": submitted.pk})
    assert client.post(approve).status_code == 404
    assert client.post(reverse("linecare:broadcast_new"), {"title": "x"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_composing_with_an_upload_then_the_preview_shows_count_and_quota(
    client, coordinator, fake_line
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    friends(4)
    fake_line.state.quota, fake_line.state.consumption = 500, 120
    client.force_login(coordinator)
    response = client.post(
        reverse("linecare:broadcast_new"),
        {
            "title": "ピアサポートのご案内",
            "text": "今月もパステルアートの会を開きます。",
            "segment": "all",
            "image": SimpleUploadedFile("poster.png", PNG_1PX, content_type="image/png"),
        },
    )
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and broadcast.image_type == "image/png"
    page = client.get(response["Location"]).content.decode()
    assert "4人" in page and "500" in page and "380" in page
    image = client.get(reverse("linecare:broadcast_image", kwargs={"key": broadcast.image_key}))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_a_bad_form_re_renders_with_its_errors(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("linecare:broadcast_new"),
        {"title": "", "text": "", "segment": "ward", "ward": "", "period_start": "2023-99-01"},
    )
    assert response.status_code == 400
    assert not Broadcast.objects.exists()
    fake = b"not a picture at all"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("linecare:broadcast_new"),
        {
            "title": "t",
            "text": "本文",
            "segment": "all",
            "image": SimpleUploadedFile("x.png", fake, content_type="image/png"),
        },
    )
    assert response.status_code == 400 and "JPEG" in response.content.decode()


def test_the_preview_says_when_the_quota_could_not_be_checked(
    client, supervisor, submitted, line_settings
):
    line_settings.LINE_API_BASE_URL = "http://127.0.0.1:9"
    client.force_login(supervisor)
    url = reverse("linecare:broadcast", kwargs={"broadcast_pk": submitted.pk})
    page = client.get(url).content.decode()
    assert "確認できませんでした" in page
    approve = reverse("linecare:broadcast_approve", kwargs={"broadcast_pk": submitted.pk})
    response = client.post(approve)
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_supervisor_approves_and_the_author_does_not(
    client, coordinator, supervisor, submitted, fake_line
):
    approve = reverse("linecare:broadcast_approve", kwargs={"broadcast_pk": submitted.pk})
    client.force_login(coordinator)
    assert client.post(approve).status_code == 400  # not a supervisor: the refusal is shown
    client.force_login(supervisor)
    assert client.post(approve).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "approved" and submitted.batches.count() == 1


def test_sending_back_needs_a_reason(client, supervisor, submitted):
    client.force_login(supervisor)
    url = reverse("linecare:broadcast_return", kwargs={"broadcast_pk": submitted.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "日付を入れてください"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "draft"


def test_a_drafts_image_is_not_public_until_approved(
    client, coordinator, supervisor, fake_line, settings
):
    settings.SITE_URL = "https://tsunagari.example.org"
    friends(1)
    broadcast = draft(coordinator, upload=PNG_1PX)
    url = reverse("linecare:broadcast_image", kwargs={"key": broadcast.image_key})
    assert client.get(url).status_code == 404  # not signed in
    services.broadcast_submit(broadcast=broadcast, by=coordinator)
    services.broadcast_approve(broadcast=broadcast, by=supervisor)
    assert client.get(url).status_code == 200  # LINE fetches it


def test_the_list_and_detail_stay_within_their_query_budgets(
    client, coordinator, supervisor, fake_line, django_assert_num_queries
):
    friends(600)
    other = UserFactory(username="coordinator2", roles=[Role.COORDINATOR])
    for by in (coordinator, other, coordinator):
        services.broadcast_submit(broadcast=draft(by), by=by)
    sent = services.broadcast_approve(
        broadcast=Broadcast.objects.filter(created_by=other).get(), by=supervisor
    )
    services.broadcast_send(broadcast_id=sent.pk)
    client.force_login(supervisor)
    client.get(reverse("linecare:broadcasts"))  # the session's first use is not counted
    # Session, user, her TOTP device, her groups, the broadcasts with author and approver
    # (however many), the navigation's unread notifications.
    with django_assert_num_queries(6):
        assert client.get(reverse("linecare:broadcasts")).status_code == 200
    # The same four, the broadcast, its batches (after approval), the notifications.
    with django_assert_num_queries(7):
        url = reverse("linecare:broadcast", kwargs={"broadcast_pk": sent.pk})
        assert client.get(url).status_code == 200
    # Before approval: the recipients counted (one query) instead of the batches.
    waiting = Broadcast.objects.filter(status="submitted").first()
    with django_assert_num_queries(7):
        url = reverse("linecare:broadcast", kwargs={"broadcast_pk": waiting.pk})
        assert client.get(url).status_code == 200
