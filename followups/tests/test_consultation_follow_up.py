"""Ticking "follow-up needed" on a consultation creates the follow-up, due when the counselor
says; without a due time the form says so and nothing is saved; a correction of a recorded
consultation does not offer it (the follow-up has its own page)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Client, Consultation
from cases.tests.factories import ClientFactory, ConsultationFactory
from cases.tests.test_clients_views import _intake_post, _local
from conftest import screenshot, watch_page
from followups.models import FollowUp


def test_intake_with_the_box_creates_her_follow_up(client, counselor):
    client.force_login(counselor)
    due = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=3)
    data = _intake_post(counselor, follow_up_due_at=_local(due), follow_up_what="")
    response = client.post(reverse("cases:intake_new"), data)
    assert response.status_code == 302
    her = Client.objects.get(nickname="れんげ")
    followup = FollowUp.objects.get(client=her)
    assert followup.due_at == due and followup.assignee == counselor
    assert followup.consultation == her.consultations.get()
    assert followup.what  # a default wording when she left it empty
    page = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    assert followup.what in page


@pytest.mark.parametrize(
    "due, message",
    [
        ("", "フォローアップの期限を入力するか"),
        ("past", ""),
    ],
)
def test_the_box_without_a_usable_due_time_saves_nothing(client, counselor, due, message):
    client.force_login(counselor)
    if due == "past":
        due = _local(timezone.now() - datetime.timedelta(days=2))
    response = client.post(
        reverse("cases:intake_new"), _intake_post(counselor, follow_up_due_at=due)
    )
    assert response.status_code in (200, 400)
    assert response.context["form"].errors["follow_up_due_at"]
    if message:
        assert message in response.content.decode()
    assert not Client.objects.exists() and not Consultation.objects.exists()
    assert not FollowUp.objects.exists()


def test_a_new_consultation_for_her_also_creates_it(client, counselor):
    her = ClientFactory(counselors=[counselor])
    client.force_login(counselor)
    due = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=1)
    data = {
        key: value
        for key, value in _intake_post(counselor, follow_up_due_at=_local(due)).items()
        if key in {"kind", "started_at", "ended_at", "main_concern", "topics", "established",
                   "summary", "outcomes", "follow_up_needed", "follow_up_due_at",
                   "follow_up_what", "counselors"}
    }  # fmt: skip
    response = client.post(reverse("cases:consultation_create", args=[her.pk]), data)
    assert response.status_code == 302
    assert FollowUp.objects.get(client=her).due_at == due


def test_correcting_a_consultation_does_not_offer_a_new_follow_up(client, counselor):
    consultation = ConsultationFactory(recorded_by=counselor, counselors=[counselor])
    consultation.client.counselors.add(counselor)
    client.force_login(counselor)
    response = client.get(reverse("cases:consultation_edit", args=[consultation.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert "follow_up_due_at" not in form.fields and "follow_up_what" not in form.fields


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_intake_form_asks_when_and_her_page_shows_the_follow_up(login, counselor):
    page = login(counselor)
    problems = watch_page(page)
    page.goto("/cases/intake/new/?q=みおり")
    page.get_by_label("主訴").select_option(index=1)
    page.get_by_label("フォローアップが必要").check()
    due = timezone.localtime() + datetime.timedelta(days=2)
    page.locator("#id_follow_up_due_at").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_follow_up_what").fill("区役所の結果を聞く")
    screenshot(page, "intake-follow-up")
    page.get_by_role("button", name="登録して記録").click()
    her = Client.objects.get(nickname="みおり")
    expect(page).to_have_url(f"{page.url.split('/cases/')[0]}/cases/clients/{her.pk}/")
    expect(page.get_by_text("区役所の結果を聞く").first).to_be_visible()
    screenshot(page, "intake-follow-up-client-page")
    assert FollowUp.objects.filter(client=her, what="区役所の結果を聞く").exists()
    assert problems == []
