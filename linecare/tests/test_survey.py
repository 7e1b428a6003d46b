"""The survey: sent by quick reply when the counselor closes the conversation, answered by
signed postbacks through the webhook; repeated, late, forged and another woman's postbacks
are ignored; one survey per conversation and consultation; the figures of domain.md."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from line.models import Message
from line.services.conversations import conversation_claim, conversation_close
from line.services.events import events_sweep
from line.services.outbound import messages_send_due
from linecare import report
from linecare.models import SurveyResponse
from linecare.services import survey as survey_services

from .conftest import USER, base

pytestmark = pytest.mark.django_db
OTHER = "U" + "c" * 32


def _close(conversation, counselor, **options):
    conversation_claim(conversation=conversation, by=counselor)
    return conversation_close(
        conversation=conversation,
        outcome="resolved",
        main_concern="dv_spouse",
        by=counselor,
        options=options,
    )


def _last_buttons(fake_line) -> dict[str, str]:
    """{label: postback data} of the last push's quick reply."""
    messages_send_due()
    (message,) = fake_line.state.pushes[-1]["messages"]
    return {i["action"]["label"]: i["action"]["data"] for i in message["quickReply"]["items"]}


def _tap(post_webhook, data: str, *, user: str = USER, at=None) -> None:
    at = at or timezone.now()
    post_webhook([base("postback", at=at, user=user, postback={"data": data})])
    events_sweep()


@pytest.fixture
def closed(her_message, counselor, fake_line):
    conversation = her_message("話を聞いてほしい")
    return _close(conversation, counselor)


def test_the_whole_survey_through_signed_postbacks(closed, fake_line, post_webhook):
    survey = SurveyResponse.objects.get(conversation=closed)
    assert survey.consultation_id == closed.consultation_id
    buttons = _last_buttons(fake_line)
    assert set(buttons) >= {"誰かに相談したかった", "LINEなら相談できそう", "回答終了"}
    _tap(post_webhook, buttons["誰かに相談したかった"])
    buttons = _last_buttons(fake_line)  # asked again, without the one chosen
    assert "誰かに相談したかった" not in buttons
    _tap(post_webhook, buttons["匿名で相談できる"])
    _tap(post_webhook, _last_buttons(fake_line)["回答終了"])
    _tap(post_webhook, _last_buttons(fake_line)["相談して良かった"])
    _tap(post_webhook, _last_buttons(fake_line)["少しなれた"])
    _tap(post_webhook, _last_buttons(fake_line)["なし"])
    survey.refresh_from_db()
    assert survey.reasons == ["wanted_someone", "anonymous"] and survey.reasons_answered
    assert (survey.satisfaction, survey.felt_positive, survey.step) == ("glad", "somewhat", "done")
    assert survey.finished_at is not None
    messages_send_due()
    assert "ありがとうございました" in fake_line.state.pushes[-1]["messages"][0]["text"]


def test_a_comment_she_writes_is_kept(closed, fake_line, post_webhook, her_message):
    _tap(post_webhook, _last_buttons(fake_line)["回答終了"])
    _tap(post_webhook, _last_buttons(fake_line)["どちらともいえない"])
    _tap(post_webhook, _last_buttons(fake_line)["前向きな気持ちになれた"])
    her_message("聞いてもらえて助かりました")
    survey = SurveyResponse.objects.get(conversation=closed)
    assert survey.comment == "聞いてもらえて助かりました" and survey.step == "done"
    assert not survey.reasons_answered  # she skipped the reasons: not counted there


def test_repeated_forged_late_and_foreign_postbacks_change_nothing(
    closed, fake_line, post_webhook, settings
):
    buttons = _last_buttons(fake_line)
    data = buttons["誰かに相談したかった"]
    _tap(post_webhook, data)
    _tap(post_webhook, data)  # repeated (LINE sends the tap again, or she taps twice)
    survey = SurveyResponse.objects.get(conversation=closed)
    assert survey.reasons == ["wanted_someone"]
    messages_send_due()
    pushes = len(fake_line.state.pushes)
    payload = data.rsplit(":", 1)[0]
    forged = [
        payload.replace(":wanted_someone", ":anonymous") + ":" + data.rsplit(":", 1)[1],
        f"sv1:{survey.pk}:reasons:anonymous:AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        f"sv1:{survey.pk}:reasons:anonymous",
        "sv1:x:y",
        "",
        "answer=1",
    ]
    for bad in forged:
        _tap(post_webhook, bad)
    # Signed with another key: not ours.
    real = settings.LINE_SURVEY_SIGNING_KEY
    settings.LINE_SURVEY_SIGNING_KEY = "another-key"
    other_key = survey_services.postback_data(survey.pk, "reasons", "anonymous")
    settings.LINE_SURVEY_SIGNING_KEY = real
    _tap(post_webhook, other_key)
    # Another woman replaying her button.
    _tap(post_webhook, buttons["匿名で相談できる"], user=OTHER)
    # A step already passed, and an answer after the survey expired.
    done = survey_services.postback_data(survey.pk, "satisfaction", "glad")
    _tap(post_webhook, done)  # not yet at that step
    late = timezone.now() + datetime.timedelta(hours=settings.LINE_SURVEY_VALID_HOURS + 1)
    _tap(post_webhook, buttons["匿名で相談できる"], at=late)
    survey.refresh_from_db()
    assert survey.reasons == ["wanted_someone"] and survey.satisfaction == ""
    messages_send_due()
    assert len(fake_line.state.pushes) == pushes


def test_one_survey_per_conversation_and_consultation(closed, fake_line):
    assert survey_services.survey_send(conversation=closed, by=None, options={}) is None
    assert SurveyResponse.objects.count() == 1
    survey = SurveyResponse.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            conversation=closed, line_user_id=survey.line_user_id, sent_at=timezone.now()
        )


def test_the_counselor_may_skip_it(her_message, counselor, fake_line):
    conversation = her_message("こんにちは")
    _close(conversation, counselor, skip_survey=True)
    assert not SurveyResponse.objects.exists()
    assert not Message.objects.filter(direction="out", detail__has_key="quick_reply").exists()


def test_the_figures_follow_domain_md():
    # 3 respondents: glad 2/3 = 66.7%, felt positive (yes + somewhat) 2/3, reasons of 2 who
    # answered that question: wanted_someone 1/2 = 50.0%.
    from cases.tests.factories import ClientFactory
    from line.models import Conversation, LineUser

    now = timezone.now()
    rows = [
        (["wanted_someone"], True, "glad", "yes"),
        (["anonymous"], True, "glad", "somewhat"),
        ([], False, "not_glad", "no"),
    ]
    for i, (reasons, answered, satisfaction, felt) in enumerate(rows):
        user = LineUser.objects.create(line_user_id=f"U{i:032d}", is_friend=True)
        client = ClientFactory()
        conversation = Conversation.objects.create(
            line_user=user, client=client, status="resolved", outcome="resolved",
            opened_at=now, closed_at=now, last_message_at=now, last_incoming_at=now,
        )  # fmt: skip
        SurveyResponse.objects.create(
            conversation=conversation, line_user=user, reasons=reasons,
            reasons_answered=answered, satisfaction=satisfaction, felt_positive=felt,
            sent_at=now, answered_at=now,
        )  # fmt: skip
    today = timezone.localdate()
    survey = report.report_numbers(today, today)["survey"]
    assert survey["responses"] == 3
    assert survey["glad_pct"] == 66.7 and survey["felt_positive_pct"] == 66.7
    assert survey["reasons_pct"]["wanted_someone"] == 50.0
    assert survey["reasons_pct"]["other"] == 0.0
    assert survey["felt_positive_target_pct"] == 70


def _to_comment_step(post_webhook, fake_line) -> None:
    _tap(post_webhook, _last_buttons(fake_line)["回答終了"])
    _tap(post_webhook, _last_buttons(fake_line)["相談して良かった"])
    _tap(post_webhook, _last_buttons(fake_line)["前向きな気持ちになれた"])


def test_her_free_comment_is_stored_and_opens_no_waiting_conversation(
    closed, fake_line, post_webhook
):
    from line.models import Conversation

    from .conftest import text_event

    _to_comment_step(post_webhook, fake_line)
    post_webhook([text_event("話せてよかったです。ありがとう", at=timezone.now())])
    events_sweep()
    survey = SurveyResponse.objects.get(conversation=closed)
    assert survey.comment == "話せてよかったです。ありがとう" and survey.step == "done"
    assert not Conversation.objects.exclude(status="resolved").exists()  # nothing in the inbox
    comment = Message.objects.get(direction="in", text="話せてよかったです。ありがとう")
    assert comment.conversation_id == closed.pk
    messages_send_due()
    assert "ご協力ありがとうございました" in fake_line.state.pushes[-1]["messages"][0]["text"]
    # Afterwards she writes again: that is a new consultation, waiting in the queue.
    post_webhook([text_event("また相談したいです", at=timezone.now())])
    events_sweep()
    assert Conversation.objects.filter(status="waiting").count() == 1


def test_a_comment_with_risk_words_still_reaches_a_counselor(closed, fake_line, post_webhook):
    from line.models import Conversation

    from .conftest import text_event

    _to_comment_step(post_webhook, fake_line)
    post_webhook([text_event("やっぱりもう死にたい", at=timezone.now())])
    events_sweep()
    waiting = Conversation.objects.get(status="waiting")
    assert waiting.urgent and waiting.category == "suicidal"
    assert SurveyResponse.objects.get(conversation=closed).comment == "やっぱりもう死にたい"
