"""Client.last_contact_at: the start of her latest consultation, kept by the services that add or
move consultations, filled in once by a data migration, and the client list's order."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Client, Consultation
from cases.selectors.clients import client_list, client_search
from cases.services.clients import client_merge
from cases.services.consultations import (
    consultation_intake,
    consultation_record,
    consultation_update,
)
from cases.tests.factories import ClientFactory, ConsultationFactory

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("cases.migrations.0004_client_last_contact")


# One instant for the whole module, so two calls of _at(5) are equal.
NOW = timezone.now().replace(microsecond=0)


def _at(days_ago: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days_ago)


def _record(client: Client, by, started_at: datetime.datetime) -> Consultation:
    return consultation_record(
        client=client,
        by=by,
        kind=Consultation.Kind.PHONE,
        started_at=started_at,
        ended_at=started_at + datetime.timedelta(minutes=20),
        counselors=[by],
        main_concern=Consultation.MainConcern.ECONOMIC,
    )


def _last_contact(client: Client) -> datetime.datetime | None:
    return Client.objects.values_list("last_contact_at", flat=True).get(pk=client.pk)


# --- the services keep it right ---------------------------------------------------------------


def test_recording_a_consultation_sets_her_last_contact(counselor):
    her = ClientFactory()
    assert _last_contact(her) is None
    _record(her, counselor, _at(3))
    assert _last_contact(her) == _at(3)


def test_an_older_consultation_recorded_late_does_not_move_it_back(counselor):
    her = ClientFactory(counselors=[counselor])
    _record(her, counselor, _at(1))
    _record(her, counselor, _at(10))  # written up afterwards
    assert _last_contact(her) == _at(1)
    _record(her, counselor, _at(0.5))
    assert _last_contact(her) == _at(0.5)


def test_intake_of_a_new_client_sets_it(counselor):
    started = _at(0.1)
    consultation = consultation_intake(
        by=counselor,
        new_client={"nickname": "つくし"},
        kind=Consultation.Kind.PHONE,
        started_at=started,
        ended_at=started + datetime.timedelta(minutes=10),
        counselors=[counselor],
        main_concern=Consultation.MainConcern.HEALTH,
    )
    assert _last_contact(consultation.client) == started


def test_correcting_the_start_of_her_latest_consultation_recomputes_it(counselor):
    her = ClientFactory(counselors=[counselor])
    _record(her, counselor, _at(5))
    latest = _record(her, counselor, _at(1))
    # The latest was in fact earlier than the other one: the other is now her last contact.
    consultation_update(
        consultation=latest,
        by=counselor,
        started_at=_at(8),
        ended_at=_at(8) + datetime.timedelta(minutes=5),
    )
    assert _last_contact(her) == _at(5)
    consultation_update(
        consultation=latest,
        by=counselor,
        started_at=_at(0.2),
        ended_at=_at(0.2) + datetime.timedelta(minutes=5),
    )
    assert _last_contact(her) == _at(0.2)


def test_a_correction_that_does_not_touch_the_start_leaves_it(counselor):
    her = ClientFactory(counselors=[counselor])
    consultation = _record(her, counselor, _at(2))
    consultation_update(consultation=consultation, by=counselor, summary="訂正")
    assert _last_contact(her) == _at(2)


def test_merging_gives_the_kept_record_the_latest_of_both(counselor, supervisor):
    kept = ClientFactory(nickname="もも", counselors=[counselor])
    merged = ClientFactory(nickname="もも", counselors=[counselor])
    _record(kept, counselor, _at(9))
    _record(merged, counselor, _at(2))
    client_merge(kept=kept, merged=merged, by=supervisor)
    assert _last_contact(kept) == _at(2)
    assert _last_contact(merged) is None  # her consultations moved to the kept record


def test_merging_an_older_duplicate_keeps_the_kept_records_own(counselor, supervisor):
    kept = ClientFactory(nickname="もも", counselors=[counselor])
    merged = ClientFactory(nickname="もも")
    _record(kept, counselor, _at(1))
    ConsultationFactory(client=merged, started_at=_at(30))
    client_merge(kept=kept, merged=merged, by=supervisor)
    assert _last_contact(kept) == _at(1)


# --- the data migration -----------------------------------------------------------------------


def test_the_backfill_takes_the_latest_consultation_not_the_first_contact():
    her = ClientFactory(first_contact_at=_at(100))
    ConsultationFactory(client=her, started_at=_at(40))
    ConsultationFactory(client=her, started_at=_at(4))
    ConsultationFactory(client=her, started_at=_at(20))
    never = ClientFactory(first_contact_at=_at(1))
    Client.objects.update(last_contact_at=None)  # as before the migration

    backfill.backfill_last_contact(apps, None)

    assert _last_contact(her) == _at(4)
    assert _last_contact(never) is None


# --- the list order -----------------------------------------------------------------------


def test_the_client_list_puts_the_latest_contact_first_and_never_contacted_last(supervisor):
    old = ClientFactory(nickname="old")
    ConsultationFactory(client=old, started_at=_at(30))
    recent = ClientFactory(nickname="recent")
    ConsultationFactory(client=recent, started_at=_at(30))
    ConsultationFactory(client=recent, started_at=_at(1))
    middle = ClientFactory(nickname="middle")
    ConsultationFactory(client=middle, started_at=_at(7))
    never_a = ClientFactory(nickname="never-a", first_contact_at=_at(2))
    never_b = ClientFactory(nickname="never-b", first_contact_at=_at(50))
    same_time = ClientFactory(nickname="same")
    ConsultationFactory(client=same_time, started_at=_at(7))

    # Equal times: the newer record first (id descending), as the index orders them.
    assert list(client_list(supervisor)) == [recent, same_time, middle, old, never_b, never_a]


def test_the_client_list_and_search_read_no_consultations(counselor):
    her = ClientFactory(nickname="すみれ", counselors=[counselor])
    ConsultationFactory(client=her, started_at=_at(3))
    with CaptureQueriesContext(connection) as captured:
        listed = list(client_list(counselor))
        found = list(client_search(counselor, "すみれ"))
    assert listed == found == [her]
    assert listed[0].last_contact_at == _at(3)
    # Ordered and shown from the client's own column: no subquery per client.
    assert all("cases_consultation" not in q["sql"] for q in captured.captured_queries)
