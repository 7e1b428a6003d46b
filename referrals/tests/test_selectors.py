import datetime

import pytest
from django.utils import timezone

from cases.tests.factories import CaseFactory, ClientFactory
from core import authz
from core.time import local_date
from referrals import selectors, services
from referrals.models import Referral

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _referral(case, by, partner=None, *, send=False, status=None):
    partner = partner or PartnerFactory()
    referral = services.referral_create(
        case=case, partner=partner, reason="理由", shared_items=["nickname"], by=by
    )
    if send or status:
        consent = services.consent_record(
            client=case.client, given_at=timezone.now(), method="line", scope=["nickname"], by=by
        )
        services.referral_send(referral=referral, consent=consent, by=by)
    if status in ("accepted", "in_progress", "completed"):
        services.referral_accept(referral=referral, by=by)
    if status in ("in_progress", "completed"):
        services.referral_start(referral=referral, by=by)
    if status == "completed":
        services.referral_complete(referral=referral, by=by, outcome="つながった")
    if status == "declined":
        services.referral_decline(referral=referral, by=by, reason="満員")
    referral.refresh_from_db()
    return referral


@pytest.fixture
def two_cases(counselor, colleague):
    mine = CaseFactory(
        client=ClientFactory(counselors=[counselor]), opened_by=counselor, counselors=[counselor]
    )
    hers = CaseFactory(
        client=ClientFactory(counselors=[colleague]), opened_by=colleague, counselors=[colleague]
    )
    return mine, hers


def test_a_counselor_sees_only_the_referrals_of_her_cases(two_cases, counselor, colleague):
    mine, hers = two_cases
    my_referral = _referral(mine, counselor)
    other = _referral(hers, colleague)
    assert list(selectors.referrals_visible_to(counselor)) == [my_referral]
    assert list(selectors.case_referrals(counselor, hers)) == []
    assert list(selectors.partner_history(counselor, other.partner)) == []
    assert list(selectors.partner_history(colleague, other.partner)) == [other]


def test_a_supervisor_sees_all(two_cases, counselor, colleague, supervisor):
    mine, hers = two_cases
    _referral(mine, counselor)
    _referral(hers, colleague)
    assert selectors.referrals_visible_to(supervisor).count() == 2


@pytest.mark.parametrize("who", ["coordinator", "expert", "outsider"])
def test_coordinators_experts_and_others_see_no_referral(request, two_cases, counselor, who):
    mine, _hers = two_cases
    _referral(mine, counselor)
    services.accompaniment_book(
        case=mine,
        place="区役所",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
    )
    user = request.getfixturevalue(who)
    assert not selectors.referrals_visible_to(user).exists()
    assert not selectors.accompaniments_visible_to(user).exists()
    assert not selectors.meeting_cases_visible_to(user).exists()
    assert all(not rows for rows in selectors.referral_board(user).values())


def test_a_coordinator_sees_the_directory_and_the_counts(coordinator, expert):
    assert authz.can(coordinator, "referrals.view_partners")
    assert authz.can(coordinator, "referrals.view_referral_figures")
    assert not authz.can(expert, "referrals.view_partners")
    assert not authz.can(expert, "referrals.view_referral_figures")


def test_the_board_groups_her_referrals_by_status(
    two_cases, counselor, django_assert_max_num_queries
):
    mine, _hers = two_cases
    draft = _referral(mine, counselor)
    sent = _referral(mine, counselor, send=True)
    # Her role groups (unless cached on her), then the referrals with case, client, partner.
    with django_assert_max_num_queries(2):
        board = selectors.referral_board(counselor)
    assert board["draft"] == [draft] and board["sent"] == [sent]
    assert set(board) == set(Referral.Status.values)


def test_provision_records_are_for_supervisors_only(two_cases, counselor, supervisor):
    mine, _hers = two_cases
    sent = _referral(mine, counselor, send=True)
    with pytest.raises(authz.Denied):
        selectors.provision_records(counselor)
    today = local_date(timezone.now())
    assert [r.referral for r in selectors.provision_records(supervisor, client=mine.client)] == [
        sent
    ]
    assert selectors.provision_records(supervisor, start=today, end=today).count() == 1
    tomorrow = today + datetime.timedelta(days=1)
    assert selectors.provision_records(supervisor, start=tomorrow).count() == 0


def test_report_numbers_on_a_known_fixture(two_cases, counselor, colleague, supervisor):
    mine, hers = two_cases
    pantry = PartnerFactory(kind="food_pantry")
    shelter = PartnerFactory(kind="shelter")
    _referral(mine, counselor, pantry, status="completed")
    _referral(mine, counselor, pantry, status="declined")
    _referral(hers, colleague, shelter, status="accepted")
    _referral(hers, colleague, shelter)  # a draft is not a referral made
    held = services.accompaniment_book(
        case=mine,
        place="パントリー",
        starts_at=timezone.now() - datetime.timedelta(minutes=1),
        counselors=[counselor],
        by=counselor,
    )
    services.accompaniment_record_outcome(accompaniment=held, outcome="受け取れた", by=counselor)
    services.accompaniment_book(
        case=mine,
        place="区役所",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        counselors=[counselor],
        by=counselor,
    )
    services.meeting_record(
        held_at=timezone.now() - datetime.timedelta(minutes=1),
        title="会議",
        by=supervisor,
        cases=[
            services.MeetingCaseInput(case=hers, shared_items=["nickname"], emergency_reason="緊急")
        ],
    )
    today = local_date(timezone.now())

    assert selectors.report_numbers(today, today) == {
        "referrals_made": 3,
        "referrals_completed": 1,
        "referrals_by_partner_kind": {"food_pantry": 2, "shelter": 1},
        "accompaniments_held": 1,
        "meetings_held": 1,
    }
    yesterday = today - datetime.timedelta(days=1)
    assert selectors.report_numbers(yesterday, yesterday)["referrals_made"] == 0


def test_the_summary_counts_by_kind_and_status_with_the_median_wait(two_cases, counselor):
    mine, _hers = two_cases
    pantry = PartnerFactory(kind="food_pantry")
    first = _referral(mine, counselor, pantry, status="accepted")
    second = _referral(mine, counselor, pantry, status="accepted")
    _referral(mine, counselor, PartnerFactory(kind="legal"), status="declined")
    # Accepted 2 and 4 days after sending: the median is 3.
    for referral, days in ((first, 2), (second, 4)):
        Referral.objects.filter(pk=referral.pk).update(
            accepted_at=referral.sent_at + datetime.timedelta(days=days)
        )
    today = local_date(timezone.now())
    summary = selectors.referral_summary(today, today)
    assert summary["by_kind"] == {"food_pantry": {"accepted": 2}, "legal": {"declined": 1}}
    assert summary["total"] == 3
    assert summary["median_days_to_accept"] == 3.0
