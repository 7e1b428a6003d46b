"""Change history (django-pghistory) of personal-data models: recorded with who and where,
and append-only like the access log."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from cases.models import Client
from cases.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_change_through_the_app_is_recorded_with_the_user_and_url(client, counselor):
    her = ClientFactory(nickname="ゆき", counselors=[counselor])
    client.force_login(counselor)
    url = reverse("cases:client_edit", args=[her.pk])
    data = {
        "nickname": "ゆきこ",
        "age_band": her.age_band,
        "ward": her.ward,
        "employment": her.employment,
        "household": her.household,
        "heard_from": her.heard_from,
        "consent_scope": her.consent_scope,
        "first_contact_at": "2022-04-06T14:10",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    events = list(her.events.order_by("pgh_id"))
    assert [event.nickname for event in events] == ["ゆき", "ゆきこ"]
    last = events[-1]
    assert last.pgh_label == "update"
    assert last.pgh_context.metadata["user"] == counselor.pk
    assert last.pgh_context.metadata["url"] == url


def test_history_rows_cannot_be_changed_or_deleted():
    her = ClientFactory(nickname="はな")
    Client.objects.filter(pk=her.pk).update(nickname="はなこ")  # bulk updates are recorded too
    event = her.events.order_by("pgh_id").last()
    assert event.nickname == "はなこ"

    with pytest.raises(DatabaseError), transaction.atomic():
        type(event).objects.filter(pk=event.pk).update(nickname="改ざん")
    with pytest.raises(DatabaseError), transaction.atomic():
        type(event).objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {type(event)._meta.db_table}")
    assert her.events.count() == 2
