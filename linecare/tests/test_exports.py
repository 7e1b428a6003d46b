"""The survey responses download: her choices as labels, never her comment or LINE account;
supervisors only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.exporting import csv_rows, exported_by, xlsx_rows
from line.services.conversations import conversation_claim, conversation_close
from linecare.models import SurveyResponse

pytestmark = pytest.mark.django_db
URL = "reports:export_linecare.survey_responses"
SECRET = '=HYPERLINK("x") 本当はつらかった'
# The session, the user, her second factor, her roles, the history context, the responses.
QUERIES = 6


def _surveyed(her_message, counselor, *, user=None):
    conversation = her_message("話を聞いてほしい", **({"user": user} if user else {}))
    conversation_claim(conversation=conversation, by=counselor)
    conversation_close(
        conversation=conversation, outcome="resolved", main_concern="dv_spouse", by=counselor
    )
    survey = SurveyResponse.objects.get(conversation=conversation)
    # Her answers, as the postbacks leave them (test_survey.py goes through the postbacks).
    SurveyResponse.objects.filter(pk=survey.pk).update(
        reasons=["wanted_someone", "anonymous"], reasons_answered=True, satisfaction="glad",
        felt_positive="somewhat", comment=SECRET, step="done",
    )  # fmt: skip
    return survey


def test_responses_come_as_labels_without_her_comment(
    client, supervisor, counselor, her_message, fake_line
):
    survey = _surveyed(her_message, counselor)
    client.force_login(supervisor)
    rows = csv_rows(client.get(reverse(URL), {"format": "csv"}))
    assert rows[0][0] == "回答番号"
    assert rows[1][0] == str(survey.pk) and rows[1][1] == str(survey.conversation_id)
    assert rows[1][7] == "とにかく誰かに相談したかった、匿名で相談できると思った"
    assert rows[1][8:] == ["相談して良かった", "少しなれた"]
    assert "本当はつらかった" not in repr(rows) and "HYPERLINK" not in repr(rows)
    assert survey.line_user.line_user_id not in repr(rows)
    book = xlsx_rows(client.get(reverse(URL), {"format": "xlsx"}))
    assert book[1][0] == survey.pk and "本当はつらかった" not in repr(book)
    assert exported_by(supervisor, "linecare.surveyresponse") == 2
    later = csv_rows(client.get(reverse(URL), {"from": "2001-01-01", "to": "2001-12-31"}))
    assert later[1:] == []


def test_only_supervisors_may_download(client, counselor, coordinator, expert, outsider):
    for user in (counselor, coordinator, expert, outsider):
        client.force_login(user)
        assert client.get(reverse(URL), {"format": "csv"}).status_code == 404


@pytest.mark.parametrize("count", [1, 3])
def test_the_download_runs_a_fixed_number_of_queries(
    client, supervisor, counselor, her_message, fake_line, count, django_assert_num_queries
):
    for n in range(count):
        _surveyed(her_message, counselor, user="U" + f"{n:x}" * 32)
    client.force_login(supervisor)
    with django_assert_num_queries(QUERIES):
        rows = csv_rows(client.get(reverse(URL)))
    assert len(rows) == count + 1
