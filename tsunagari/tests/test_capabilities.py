"""Every capability of `core.authz`, allowed and refused, for every persona.

The table names, for each capability, the personas who have it; everyone else must be refused.
A capability registered without a row here fails `test_every_capability_is_in_the_table`, so a
new app's capabilities are tested from the day they exist.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activities.models import ExpertBooking, ExpertDay, ExpertSlot
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core import authz, registry
from core.roles import Role
from followups.tests.factories import FollowUpFactory
from notifications.models import Notification

PERSONAS = [
    "counselor",
    "colleague",
    "coordinator",
    "supervisor",
    "superuser",
    "expert",
    "outsider",
]
CASEWORKERS = {"counselor", "colleague", "supervisor", "superuser"}
SUPERVISORS = {"supervisor", "superuser"}
ANY_ROLE = set(PERSONAS) - {"outsider"}
HERS = {"counselor", "supervisor", "superuser"}  # her own record: she and the supervisors

# capability -> (the record it is asked about, who has it)
TABLE: dict[str, tuple[str | None, set[str]]] = {
    "cases.work_with_clients": (None, CASEWORKERS),
    "cases.view_client": ("client", HERS),
    "cases.view_case": ("case", HERS),
    "cases.view_consultation": ("consultation", HERS),
    "cases.assign_counselors": (None, SUPERVISORS),
    "cases.take_on_client": ("queued_client", {"counselor", "colleague"}),
    "cases.break_glass_client": ("queued_client", {"counselor", "colleague"}),
    "cases.review_break_glass": (None, SUPERVISORS),
    "cases.merge_clients": (None, SUPERVISORS),
    "cases.approve_closure": (None, SUPERVISORS),
    "cases.reopen_case": (None, SUPERVISORS),
    "cases.supervise": (None, SUPERVISORS),
    "followups.view_followups": (None, CASEWORKERS),
    "followups.view_followup": ("followup", HERS),
    "followups.take_followups": (None, CASEWORKERS),
    "openings.view_calendar": (None, ANY_ROLE),
    "openings.edit_calendar": (None, {"coordinator", "supervisor", "superuser"}),
    "notifications.read_notification": ("notification", {"counselor"}),
    "accounts.use_admin": (None, SUPERVISORS),
    "accounts.hold_role": (None, ANY_ROLE),
    "accounts.end_sessions": (None, SUPERVISORS),
    "accounts.reset_mfa": (None, SUPERVISORS),
    "accounts.unlock_user": (None, SUPERVISORS),
    "accounts.manage_staff": (None, SUPERVISORS),
    "referrals.receive_referrals": (None, {"expert"}),
    "referrals.view_partners": (None, CASEWORKERS | {"coordinator"}),
    "referrals.manage_partners": (None, {"coordinator", "supervisor", "superuser"}),
    "referrals.work_with_referrals": (None, CASEWORKERS),
    "referrals.override_consent": (None, SUPERVISORS),
    "referrals.view_provision_records": (None, SUPERVISORS),
    "referrals.view_referral_figures": (None, CASEWORKERS | {"coordinator"}),
    "reports.view_kpi": (None, SUPERVISORS),
    "reports.view_downloads": (None, {"coordinator", "supervisor", "superuser"}),
    "cases.export_lists": (None, SUPERVISORS),
    "privacy.disclose_client": ("client", SUPERVISORS),
    "privacy.request_erasure": ("client", HERS),
    "privacy.decide_erasure": (None, SUPERVISORS),
    "audit.review_access": (None, SUPERVISORS),
    "privacy.withdraw_consent": ("client", HERS),
    "privacy.may_share_client": ("client", set()),  # she has not consented to sharing
    "line.work_with_conversations": (None, CASEWORKERS),
    "line.edit_autoreplies": (None, {"coordinator", "supervisor", "superuser"}),
    "line.change_settings": (None, SUPERVISORS),
    "line.supervise_conversations": (None, SUPERVISORS),
    "line.edit_canned_responses": (None, {"coordinator", "supervisor", "superuser"}),
    "line.use_simulator": (None, ANY_ROLE),
    "line.use_inbox": (None, CASEWORKERS | {"expert"}),
    "line.route_to_experts": (None, CASEWORKERS),
    "line.send_session_invitations": (None, CASEWORKERS | {"coordinator"}),
    "supplies.view_stock": (None, CASEWORKERS | {"coordinator"}),
    "supplies.manage_stock": (None, {"coordinator", "supervisor", "superuser"}),
    "supplies.adjust_stock": (None, {"coordinator", "supervisor", "superuser"}),
    "supplies.hand_out": ("consultation", HERS),
    "activities.view_sessions": (None, CASEWORKERS | {"coordinator"}),
    "activities.manage_sessions": (None, {"coordinator", "supervisor", "superuser"}),
    "activities.register_clients": (None, CASEWORKERS),
    "activities.view_expert_days": (None, ANY_ROLE),
    "activities.manage_expert_days": (None, {"coordinator", "supervisor", "superuser"}),
    "activities.book_experts": (None, CASEWORKERS),
    "activities.record_expert_consultation": ("expert_booking", {"expert"}),  # her own day's
    "activities.view_activity_figures": (None, CASEWORKERS | {"coordinator"}),
    "agenda.view_calendar": (None, ANY_ROLE),
    "agenda.use_feed": (None, ANY_ROLE),
    "linecare.edit_risk_expressions": (None, {"coordinator", "supervisor", "superuser"}),
    "linecare.view_broadcasts": (None, {"coordinator", "supervisor", "superuser"}),
    "linecare.compose_broadcasts": (None, {"coordinator", "supervisor", "superuser"}),
    "linecare.approve_broadcasts": (None, SUPERVISORS),
    "testapp.see_visits": (None, {"expert", "supervisor", "superuser"}),  # the test app's
}


@pytest.fixture
def superuser(db):
    """A superuser holding no group: counts as a supervisor, and as nothing else."""
    return UserFactory(username="superuser", is_superuser=True, roles=[])


def _expert_booking(expert, counselor, client) -> ExpertBooking:
    start = timezone.now() + datetime.timedelta(days=2)
    day = ExpertDay.objects.create(
        kind=ExpertDay.Kind.LEGAL,
        expert=expert,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        created_by=counselor,
    )
    slot = ExpertSlot.objects.create(day=day, starts_at=start, ends_at=day.ends_at)
    return ExpertBooking.objects.create(
        slot=slot, client=client, referral_note="メモ", booked_by=counselor
    )


@pytest.fixture
def records(counselor, expert):
    client = ClientFactory(counselors=[counselor], created_by=counselor)
    return {
        "expert_booking": _expert_booking(expert, counselor, client),
        "client": client,
        "case": CaseFactory(client=client, opened_by=counselor, counselors=[counselor]),
        "consultation": ConsultationFactory(client=client, recorded_by=counselor),
        "followup": FollowUpFactory(client=client, assignee=counselor, created_by=counselor),
        "notification": Notification.objects.create(
            user=counselor, kind=Notification.Kind.values[0], title="t", url="/"
        ),
        "queued_client": ClientFactory(),  # active, nobody assigned yet
    }


def test_every_capability_is_in_the_table():
    assert set(registry.capabilities.keys()) == set(TABLE)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("capability", sorted(TABLE))
def test_each_persona_is_allowed_or_refused(request, records, capability, persona):
    record, allowed = TABLE[capability]
    user = request.getfixturevalue(persona)
    obj = records[record] if record else None

    assert authz.can(user, capability, obj) == (persona in allowed)


@pytest.mark.django_db
@pytest.mark.parametrize("capability", sorted(TABLE))
def test_nobody_signed_out_or_inactive_has_any(records, capability):
    record, _ = TABLE[capability]
    obj = records[record] if record else None
    inactive = UserFactory(roles=[*Role.values], is_superuser=True, is_active=False)

    assert not authz.can(AnonymousUser(), capability, obj)
    assert not authz.can(inactive, capability, obj)


@pytest.mark.django_db
def test_require_answers_404_that_names_what_was_tried(colleague, records):
    with pytest.raises(authz.Denied) as refused:
        authz.require(colleague, "cases.view_client", records["client"])
    assert (refused.value.object_type, refused.value.object_id) == (
        "cases.client",
        str(records["client"].pk),
    )
    with pytest.raises(authz.Denied) as refused:
        authz.require(colleague, "cases.supervise")
    assert refused.value.object_type == "cases.supervise"


@pytest.mark.django_db
def test_one_definition_of_a_supervisor_for_pages_and_queries(supervisor, superuser, counselor):
    from accounts.selectors import supervisors_to_notify, users_with_roles

    assert authz.is_supervisor(superuser) and superuser.is_supervisor
    assert set(users_with_roles(Role.SUPERVISOR)) == {supervisor, superuser}
    assert set(supervisors_to_notify()) == {supervisor, superuser}
    assert counselor not in users_with_roles(Role.SUPERVISOR)
