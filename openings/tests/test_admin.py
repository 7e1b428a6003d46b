import datetime

import pytest
from django.urls import reverse

from openings.models import Opening, OpeningException, OpeningRule
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


def test_adding_a_closure_in_the_admin_rematerialises(client, supervisor):
    openings_seed_programme_defaults()
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:openings_openingexception_add"),
        {"channel": "line", "date": "2022-04-10", "kind": "closure", "note": "研修"},
    )

    assert response.status_code == 302
    assert OpeningException.objects.filter(date=datetime.date(2022, 4, 10)).exists()
    assert not Opening.objects.filter(starts_at__date=datetime.date(2022, 4, 10)).exists()


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
