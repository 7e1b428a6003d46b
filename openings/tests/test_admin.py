import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.time import fiscal_year_start
from openings.models import Opening, OpeningException, OpeningRule
from openings.selectors import day_bounds
from openings.services import openings_seed_programme_defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["openingrule", "openingexception", "opening"])
def test_supervisors_see_the_opening_admin(client, supervisor, model):
    openings_seed_programme_defaults()
    client.force_login(supervisor)

    assert client.get(reverse(f"admin:openings_{model}_changelist")).status_code == 200


def test_openings_are_read_only_in_the_admin(client, supervisor):
    openings_seed_programme_defaults()
    client.force_login(supervisor)
    opening = Opening.objects.first()

    assert client.get(reverse("admin:openings_opening_add")).status_code == 403
    response = client.post(
        reverse("admin:openings_opening_delete", args=[opening.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Opening.objects.filter(pk=opening.pk).exists()


# Closures are refused on past days: the admin's changes are made in the next fiscal year.
NEXT_FY = datetime.date(fiscal_year_start(timezone.localdate()).year + 1, 4, 1)
SUNDAY = NEXT_FY + datetime.timedelta(days=(6 - NEXT_FY.weekday()) % 7)


def on_day(day: datetime.date):
    lower, upper = day_bounds(day, day)
    return Opening.objects.filter(starts_at__gte=lower, starts_at__lt=upper)


def test_adding_a_closure_in_the_admin_rematerialises(client, supervisor):
    openings_seed_programme_defaults(fiscal_year_start=NEXT_FY)
    client.force_login(supervisor)
    assert on_day(SUNDAY).exists()

    response = client.post(
        reverse("admin:openings_openingexception_add"),
        {"channel": "line", "date": f"{SUNDAY}", "kind": "closure", "note": "研修"},
    )

    assert response.status_code == 302
    assert OpeningException.objects.filter(date=SUNDAY).exists()
    assert not on_day(SUNDAY).exists()


def test_a_past_closure_in_the_admin_is_sent_back_on_the_form(client, supervisor):
    openings_seed_programme_defaults()
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:openings_openingexception_add"),
        {"channel": "line", "date": "2022-04-10", "kind": "closure", "note": "研修"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "過去の日は休止にできません。今日以降の日を選んでください。" in content
    assert "errorlist" in content
    assert not OpeningException.objects.filter(date=datetime.date(2022, 4, 10)).exists()
    assert on_day(datetime.date(2022, 4, 10)).exists()


def test_a_closure_without_an_opening_in_the_admin_is_sent_back(client, supervisor):
    openings_seed_programme_defaults(fiscal_year_start=NEXT_FY)
    client.force_login(supervisor)
    monday = SUNDAY + datetime.timedelta(days=1)

    response = client.post(
        reverse("admin:openings_openingexception_add"),
        {"channel": "line", "date": f"{monday}", "kind": "closure"},
    )

    assert response.status_code == 200
    assert "休止にする開設がありません" in response.content.decode()
    assert not OpeningException.objects.filter(date=monday).exists()


def test_moving_a_past_closure_in_the_admin_is_sent_back(client, supervisor):
    openings_seed_programme_defaults()
    closure = OpeningException.objects.get(kind="closure")  # New Year's Day 2023
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:openings_openingexception_change", args=[closure.pk]),
        {"channel": "line", "date": f"{SUNDAY}", "kind": "closure", "note": "元日のため休止"},
    )

    assert response.status_code == 200
    assert "過去の日の休止・臨時開設は備考のみ変更できます。" in response.content.decode()
    closure.refresh_from_db()
    assert closure.date == datetime.date(2023, 1, 1)


def test_a_past_closure_cannot_be_deleted_in_the_admin(client, supervisor):
    openings_seed_programme_defaults()
    closure = OpeningException.objects.get(kind="closure")
    client.force_login(supervisor)
    url = reverse("admin:openings_openingexception_delete", args=[closure.pk])

    response = client.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert "過去の日の休止・臨時開設は取り消せません。" in response.content.decode()
    assert OpeningException.objects.filter(pk=closure.pk).exists()


def test_deleting_a_selection_with_a_past_closure_deletes_nothing(client, supervisor):
    openings_seed_programme_defaults()
    client.force_login(supervisor)
    ids = list(OpeningException.objects.values_list("pk", flat=True))

    response = client.post(
        reverse("admin:openings_openingexception_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert "過去の日の休止・臨時開設は取り消せません。" in response.content.decode()
    assert OpeningException.objects.count() == len(ids)


def test_ending_a_rule_in_the_admin_removes_its_later_openings(client, supervisor):
    openings_seed_programme_defaults()
    rule = OpeningRule.objects.get(weekday=OpeningRule.Weekday.WEDNESDAY)
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:openings_openingrule_change", args=[rule.pk]),
        {
            "channel": "line",
            "weekday": "2",
            "start_time": "14:00",
            "end_time": "20:00",
            "valid_from": "2022-04-01",
            "valid_until": "2022-12-31",
        },
    )

    assert response.status_code == 302
    assert not rule.openings.filter(starts_at__date__gt=datetime.date(2022, 12, 31)).exists()
    assert rule.openings.count() == 39  # Wednesdays from April to December 2022


def test_an_invalid_rule_is_sent_back_in_japanese(client, supervisor):
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:openings_openingrule_add"),
        {
            "channel": "line",
            "weekday": "2",
            "start_time": "20:00",
            "end_time": "14:00",
            "valid_from": "2022-04-01",
        },
    )

    assert response.status_code == 200
    assert "終了時刻は開始時刻より後にしてください。" in response.content.decode()
    assert not OpeningRule.objects.exists()


@pytest.mark.parametrize("persona", ["counselor", "coordinator"])
def test_others_do_not_reach_the_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("admin:openings_openingrule_changelist"))

    assert response.status_code == 302
    assert not OpeningRule.objects.exists()
