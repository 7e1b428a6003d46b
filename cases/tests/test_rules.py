"""Rules that live in the services and the database, not only in the forms: bad input is
refused with a message keyed to its field, and never reaches the database as a 500."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.forms.cases import CaseNoteForm, ClosureDecisionForm, SupportActionForm
from cases.forms.clients import ClientEditForm, ClientProfileForm
from cases.models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    ClientAssignmentChange,
    RiskFlag,
    SupportAction,
)
from cases.services import cases as case_services
from cases.services import clients as client_services
from cases.services.consultations import consultation_record
from cases.tests.factories import ClientFactory
from core.bounds import NOTE_MAX
from core.roles import Role

pytestmark = pytest.mark.django_db

PROFILE = {"nickname": "さくら", "age_band": "20s", "ward": "unknown", "employment": "unknown"}
PROFILE |= {"household": "unknown", "consent_scope": "none"}


def _profile_form(cls=ClientProfileForm, **data) -> ClientProfileForm:
    return cls(data={**PROFILE, **data})


# --- phone numbers ----------------------------------------------------------------------------


def test_a_25_digit_phone_is_refused_by_the_form_and_the_service(counselor):
    phone = "1" * 25

    form = _profile_form(phone=phone)
    assert not form.is_valid() and "phone" in form.errors

    with pytest.raises(ValidationError) as exc:
        client_services.client_create(nickname="さくら", phone=phone, by=counselor)
    assert "phone" in exc.value.message_dict
    assert not Client.objects.exists()


def test_a_phone_with_letters_is_refused_not_stripped_to_its_digits(counselor):
    form = _profile_form(phone="abc-電話-123")
    assert not form.is_valid() and "phone" in form.errors

    client = ClientFactory()
    with pytest.raises(ValidationError) as exc:
        client_services.client_update(client=client, by=counselor, phone="abc-電話-123")
    assert "phone" in exc.value.message_dict
    client.refresh_from_db()
    assert client.phone == ""


def test_a_phone_written_with_full_width_digits_and_hyphens_keeps_its_digits(counselor):
    form = _profile_form(phone="０９０－１２３４－５６７８")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "09012345678"
    client = client_services.client_create(nickname="さくら", phone="090 1234 5678", by=counselor)
    assert client.phone == "09012345678"


# --- dates --------------------------------------------------------------------------------


def test_a_first_contact_in_year_1_is_refused_by_form_service_and_database(counselor):
    form = _profile_form(ClientEditForm, first_contact_at="0001-01-01T00:00")
    assert not form.is_valid() and "first_contact_at" in form.errors

    client = ClientFactory()
    year_one = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as exc:
        client_services.client_update(client=client, by=counselor, first_contact_at=year_one)
    assert "first_contact_at" in exc.value.message_dict

    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(first_contact_at=year_one)


def test_a_first_contact_more_than_a_year_ahead_is_refused(counselor):
    ahead = timezone.now() + datetime.timedelta(days=400)
    with pytest.raises(ValidationError) as exc:
        client_services.client_create(nickname="さくら", first_contact_at=ahead, by=counselor)
    assert "first_contact_at" in exc.value.message_dict


def test_a_client_page_with_a_year_1_first_contact_is_refused_not_a_500(client, counselor):
    her = ClientFactory(counselors=[counselor])
    client.force_login(counselor)
    data = {**PROFILE, "first_contact_at": "0001-01-01T00:00"}
    response = client.post(reverse("cases:client_edit", args=[her.pk]), data)
    assert response.status_code == 200
    her.refresh_from_db()
    assert her.first_contact_at.year >= 2000


def test_a_consultation_in_1999_is_refused_by_the_service(counselor):
    started = datetime.datetime(1999, 12, 31, 12, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as exc:
        consultation_record(
            client=ClientFactory(),
            kind="line",
            started_at=started,
            ended_at=started + datetime.timedelta(minutes=30),
            counselors=[counselor],
            main_concern="economic",
            by=counselor,
        )
    assert "started_at" in exc.value.message_dict


def test_an_action_due_in_the_year_9000_is_refused(counselor):
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    form = SupportActionForm(
        data={"description": "同行", "owner": counselor.pk, "due_on": "9000-01-01"}, case=case
    )
    assert not form.is_valid() and "due_on" in form.errors
    with pytest.raises(ValidationError) as exc:
        case_services.support_action_add(
            case=case,
            description="同行",
            owner=counselor,
            due_on=datetime.date(9000, 1, 1),
            by=counselor,
        )
    assert "due_on" in exc.value.message_dict


# --- free text ------------------------------------------------------------------------------


def test_a_huge_case_note_is_refused_by_form_service_and_database(counselor):
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    huge = "あ" * 1_000_000

    assert not CaseNoteForm(data={"body": huge}).is_valid()
    with pytest.raises(ValidationError) as exc:
        case_services.case_note_add(case=case, body=huge, by=counselor)
    assert "body" in exc.value.message_dict
    assert not CaseNote.objects.exists()

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseNote.objects.create(case=case, author=counselor, body="あ" * (NOTE_MAX + 1))

    note = case_services.case_note_add(case=case, body="あ" * NOTE_MAX, by=counselor)
    assert len(note.body) == NOTE_MAX


# --- closing and reopening need a reason ------------------------------------------------------


def _pending(counselor) -> CaseClosureRequest:
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    return case_services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )


@pytest.mark.parametrize("note", ["", "   "])
def test_declining_a_closing_without_a_note_is_refused_by_the_service(counselor, supervisor, note):
    request = _pending(counselor)
    with pytest.raises(ValidationError) as exc:
        case_services.case_reject_closure(request=request, by=supervisor, note=note)
    assert "note" in exc.value.message_dict
    request.refresh_from_db()
    assert request.state == CaseClosureRequest.State.PENDING
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.CLOSURE_REJECTED).exists()


def test_declining_still_needs_a_supervisor_first(counselor):
    with pytest.raises(PermissionDenied):
        case_services.case_reject_closure(request=_pending(counselor), by=counselor, note="")


def test_the_database_refuses_a_declined_closing_without_a_note(counselor, supervisor):
    request = _pending(counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseClosureRequest.objects.filter(pk=request.pk).update(
            state="rejected", decided_by=supervisor, decided_at=timezone.now()
        )


def test_the_decision_form_still_refuses_an_empty_decline_note():
    form = ClosureDecisionForm(data={"decision": "decline", "note": ""})
    assert not form.is_valid() and "note" in form.errors


@pytest.mark.parametrize("note", ["", "  "])
def test_reopening_without_a_reason_is_refused_by_the_service(counselor, supervisor, note):
    request = _pending(counselor)
    case = case_services.case_approve_closure(request=request, by=supervisor)
    with pytest.raises(ValidationError) as exc:
        case_services.case_reopen(case=case, by=supervisor, note=note)
    assert "note" in exc.value.message_dict
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_the_database_refuses_a_reopening_event_without_a_reason(counselor):
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.REOPENED, actor=counselor)


# --- the support plan -----------------------------------------------------------------------


def test_an_action_on_an_achieved_goal_is_refused_by_the_service(counselor):
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    goal = case_services.support_goal_add(case=case, text="住まいを見つける", by=counselor)
    case_services.support_goal_achieve(goal=goal, by=counselor)
    with pytest.raises(ValidationError) as exc:
        case_services.support_action_add(
            case=case, description="内見", owner=counselor, due_on=None, by=counselor, goal=goal
        )
    assert "goal" in exc.value.message_dict
    assert not SupportAction.objects.exists()


def test_a_goal_added_to_a_case_closed_meanwhile_is_refused(counselor, supervisor):
    request = _pending(counselor)
    stale = Case.objects.get(pk=request.case_id)  # read while still open
    case_services.case_approve_closure(request=request, by=supervisor)
    with pytest.raises(ValidationError):
        case_services.support_goal_add(case=stale, text="目標", by=counselor)


def test_actor_and_time_are_recorded_together(counselor):
    case = case_services.case_open(client=ClientFactory(), by=counselor)
    goal = case_services.support_goal_add(case=case, text="目標", by=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(goal).objects.filter(pk=goal.pk).update(achieved_at=timezone.now())
    flag = RiskFlag.objects.create(client=case.client, kind="minor", set_by=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFlag.objects.filter(pk=flag.pk).update(cleared_by=counselor)


# --- a merged client takes nothing new ------------------------------------------------------


def _merged(supervisor) -> tuple[Client, Client]:
    kept, duplicate = ClientFactory(), ClientFactory()
    client_services.client_merge(kept=kept, merged=duplicate, by=supervisor)
    return kept, duplicate


def test_a_risk_flag_on_a_merged_client_is_refused(counselor, supervisor):
    _, duplicate = _merged(supervisor)
    with pytest.raises(ValidationError):
        client_services.risk_flag_set(client=duplicate, kind="minor", by=counselor)
    assert not RiskFlag.objects.filter(client=duplicate).exists()


def test_a_case_on_a_client_merged_meanwhile_is_refused(counselor, supervisor):
    kept, duplicate = ClientFactory(), ClientFactory()
    stale = Client.objects.get(pk=duplicate.pk)  # read while still active
    client_services.client_merge(kept=kept, merged=duplicate, by=supervisor)
    with pytest.raises(ValidationError):
        case_services.case_open(client=stale, by=counselor)


# --- who is responsible for her: every change is recorded -------------------------------------


def _changes(client: Client) -> list[tuple[str, list[int], list[int]]]:
    return [
        (c.kind, c.before, c.after)
        for c in ClientAssignmentChange.objects.filter(client=client).order_by("id")
    ]


def test_every_change_of_her_counselors_is_recorded(counselor, colleague, supervisor):
    her = client_services.client_create(nickname="さくら", by=counselor)
    client_services.client_assign_counselors(client=her, counselors=[colleague], by=supervisor)
    client_services.client_assign_counselors(client=her, counselors=[colleague], by=supervisor)
    client_services.client_assign_counselors(client=her, counselors=[], by=supervisor)
    client_services.client_take_on(client=her, by=counselor)

    assert _changes(her) == [
        ("registered", [], [counselor.pk]),
        ("assigned", [counselor.pk], [colleague.pk]),
        ("assigned", [colleague.pk], []),
        ("taken_on", [], [counselor.pk]),
    ]
    change = ClientAssignmentChange.objects.filter(client=her).last()
    assert change.changed_by == counselor and change.changed_at


def test_recording_a_consultation_for_a_queued_client_records_the_take_on(counselor):
    her = ClientFactory()
    now = timezone.now()
    consultation_record(
        client=her,
        kind="phone",
        started_at=now - datetime.timedelta(minutes=30),
        ended_at=now,
        counselors=[counselor],
        main_concern="economic",
        by=counselor,
    )
    assert _changes(her) == [("consultation", [], [counselor.pk])]


def test_a_merge_records_the_counselors_it_adds(counselor, colleague, supervisor):
    kept, duplicate = ClientFactory(counselors=[counselor]), ClientFactory(counselors=[colleague])
    client_services.client_merge(kept=kept, merged=duplicate, by=supervisor)
    assert _changes(kept) == [
        ("merged", [counselor.pk], sorted([counselor.pk, colleague.pk])),
    ]


def test_the_assignment_history_is_append_only(counselor, supervisor):
    her = ClientFactory()
    client_services.client_assign_counselors(client=her, counselors=[counselor], by=supervisor)
    rows = ClientAssignmentChange.objects.filter(client=her)
    with pytest.raises(ProgrammingError), transaction.atomic():
        rows.update(after=[])
    with pytest.raises(ProgrammingError), transaction.atomic():
        rows.delete()


def test_taking_on_a_client_someone_has_is_refused_and_changes_nothing(counselor, colleague):
    her = ClientFactory(counselors=[colleague])
    with pytest.raises(ValidationError):
        client_services.client_take_on(client=her, by=counselor)
    assert list(her.counselors.all()) == [colleague]
    assert not ClientAssignmentChange.objects.filter(client=her).exists()


def test_the_client_admin_page_shows_her_assignment_history(client, counselor, supervisor):
    her = ClientFactory()
    client_services.client_assign_counselors(client=her, counselors=[counselor], by=supervisor)
    client.force_login(supervisor)
    body = client.get(reverse("admin:cases_client_change", args=[her.pk])).content.decode()
    assert str(counselor) in body
    assert str(ClientAssignmentChange.Kind.ASSIGNED.label) in body


# --- the admin: writes through the service, filters that never 500 ---------------------------


def _admin_client_data(her: Client, **changes) -> dict:
    data = {
        "nickname": her.nickname,
        "phone": her.phone,
        "age_band": her.age_band,
        "ward": her.ward,
        "employment": her.employment,
        "household": her.household,
        "heard_from": her.heard_from,
    }
    for prefix in ("risk_flags", "assignment_changes"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | changes


def test_the_admin_refuses_a_phone_that_is_not_one(client, supervisor):
    her = ClientFactory()
    client.force_login(supervisor)
    url = reverse("admin:cases_client_change", args=[her.pk])
    response = client.post(url, _admin_client_data(her, phone="abc-電話-123"))
    assert response.status_code == 200
    her.refresh_from_db()
    assert her.phone == ""


def test_the_admin_saves_a_phone_through_the_service(client, supervisor):
    her = ClientFactory()
    client.force_login(supervisor)
    url = reverse("admin:cases_client_change", args=[her.pk])
    response = client.post(url, _admin_client_data(her, phone="090-1234-5678"))
    assert response.status_code == 302, response.content.decode()[:2000]
    her.refresh_from_db()
    assert her.phone == "09012345678"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/audit/accesslog/?at__year=99999999999999999999",
        "/admin/cases/client/?first_contact_at__year=99999999999999999999",
        "/admin/cases/casenote/?created_at__year=2024&created_at__month=99999999999999999999",
        "/admin/followups/followup/?due_at__year=99999999999999999999",
    ],
)
def test_an_admin_filter_out_of_range_redirects_instead_of_a_500(client, supervisor, url):
    client.force_login(supervisor)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/case/?priority=99999999999999999999",
        "/admin/cases/riskflag/?cleared_at__gte=0001-01-01",
        "/admin/cases/client/?counselor=99999999999999999999",
    ],
)
def test_other_out_of_range_filters_answer_without_a_server_error(client, supervisor, url):
    client.force_login(supervisor)
    assert client.get(url).status_code in (200, 302)


# --- the database holds every status to its choices ------------------------------------------


def _choice_constraints():
    for model in apps.get_models():
        if model._meta.app_label not in {"cases", "followups", "notifications", "openings"}:
            continue
        for constraint in model._meta.constraints:
            if constraint.name.endswith("_valid") and isinstance(
                constraint, models.CheckConstraint
            ):
                yield model, constraint


@pytest.mark.parametrize(
    ("model", "constraint"), list(_choice_constraints()), ids=lambda v: getattr(v, "name", "")
)
def test_each_choices_constraint_lists_exactly_the_fields_choices(model, constraint):
    lookups = {
        key: value
        for child in constraint.condition.children
        if isinstance(child, tuple)
        for key, value in [child]
    }
    ((key, values),) = lookups.items()
    field = model._meta.get_field(key.removesuffix("__in"))
    expected = {str(v) for v, _label in field.flatchoices}
    if field.blank:
        expected.add("")
    assert {str(v) for v in values} == expected


def test_the_database_refuses_a_status_outside_its_choices():
    client = ClientFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.filter(pk=client.pk).update(status="deleted")


def test_only_a_counselor_takes_a_client_on(coordinator):
    with pytest.raises(PermissionDenied):
        client_services.client_take_on(client=ClientFactory(), by=coordinator)


def test_a_supervisor_assigns_a_counselor_who_counsels():
    supervisor_counselor = UserFactory(roles=[Role.SUPERVISOR, Role.COUNSELOR])
    her = ClientFactory()
    client_services.client_take_on(client=her, by=supervisor_counselor)
    assert list(her.counselors.all()) == [supervisor_counselor]
