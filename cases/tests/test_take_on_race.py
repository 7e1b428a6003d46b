"""Two counselors taking on the same queued client at the same moment, on real PostgreSQL
connections: the first takes her on, the second is told so, and nothing of hers changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import ClientAssignmentChange
from cases.services.clients import client_take_on
from cases.tests.factories import ClientFactory
from cases.tests.races import at_once


@pytest.mark.django_db(transaction=True)
def test_two_counselors_taking_on_one_clientat_once(counselor, colleague):
    her = ClientFactory()

    results = at_once(
        lambda: client_take_on(client=her, by=counselor),
        lambda: client_take_on(client=her, by=colleague),
    )

    assert results == ["done", "refused"]
    counselors = list(her.counselors.all())
    assert len(counselors) == 1
    (change,) = ClientAssignmentChange.objects.filter(client=her)
    assert change.kind == ClientAssignmentChange.Kind.TAKEN_ON
    assert change.before == [] and change.after == [counselors[0].pk]
    assert change.changed_by == counselors[0]


@pytest.mark.django_db
def test_the_take_on_button_goes_through_the_service(client, counselor):
    her = ClientFactory()
    client.force_login(counselor)

    response = client.post(reverse("cases:client_assign", args=[her.pk]), {"take_on": "1"})

    assert response.status_code == 302
    assert list(her.counselors.all()) == [counselor]
    (change,) = ClientAssignmentChange.objects.filter(client=her)
    assert change.kind == ClientAssignmentChange.Kind.TAKEN_ON
