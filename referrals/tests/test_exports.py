"""The referrals download: what it holds (no reason, notes or outcomes), its filters, who may
have it, each download logged, a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.tests.exporting import csv_rows, exported_by, xlsx_rows
from referrals import services
from referrals.models import Partner

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db
URL = "reports:export_referrals.referrals"
SECRET = "ひみつの事情"
# The session, the user, her second factor, her roles, the history context, then the
# referrals with their case, client and partner in one cursor, whatever their number.
QUERIES = 6


def _referral(case, counselor, *, partner=None):
    return services.referral_create(
        case=case,
        partner=partner or PartnerFactory(),
        reason=f"{SECRET}（理由）",
        shared_items=["nickname", "situation"],
        by=counselor,
    )


def test_the_download_holds_numbers_and_labels_never_her_story(
    client, supervisor, counselor, her_case, consent
):
    partner = PartnerFactory(name='=HYPERLINK("http://x")', notes=f"{SECRET}（メモ）")
    referral = _referral(her_case, counselor, partner=partner)
    services.referral_send(referral=referral, consent=consent, by=counselor)
    services.referral_decline(referral=referral, by=counselor, reason=f"{SECRET}（辞退）")
    client.force_login(supervisor)
    rows = csv_rows(client.get(reverse(URL), {"format": "csv"}))
    assert rows[0][:3] == ["つなぎ番号", "ケース番号", "相談者番号"]
    assert rows[1][:4] == [
        str(referral.pk),
        str(her_case.pk),
        str(her_case.client_id),
        str(partner.pk),
    ]
    assert rows[1][4] == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert rows[1][5] == "フードパントリー" and rows[1][6] == "辞退"
    assert SECRET not in repr(rows) and her_case.client.nickname not in repr(rows)
    book = xlsx_rows(client.get(reverse(URL), {"format": "xlsx"}))
    assert book[1][0] == referral.pk and book[1][4].startswith("'=")
    assert SECRET not in repr(book)
    assert exported_by(supervisor, "referrals.referral") == 2


def test_the_board_s_filters_apply(client, supervisor, counselor, her_case, consent):
    shelter = PartnerFactory(kind=Partner.Kind.SHELTER)
    draft = _referral(her_case, counselor)
    sent = services.referral_send(
        referral=_referral(her_case, counselor, partner=shelter), consent=consent, by=counselor
    )
    client.force_login(supervisor)
    by_status = csv_rows(client.get(reverse(URL), {"status": "draft"}))
    assert [r[0] for r in by_status[1:]] == [str(draft.pk)]
    by_kind = csv_rows(client.get(reverse(URL), {"partner_kind": "shelter"}))
    assert [r[0] for r in by_kind[1:]] == [str(sent.pk)]
    none_then = csv_rows(client.get(reverse(URL), {"from": "2001-04-01", "to": "2002-03-31"}))
    assert none_then[1:] == []


@pytest.mark.parametrize(
    "query",
    [{"format": "pdf"}, {"status": "nosuch"}, {"from": "2025-01-01", "to": "2024-01-01"}],
)
def test_a_bad_request_is_answered_400_with_nothing_served(client, supervisor, query):
    client.force_login(supervisor)
    answer = client.get(reverse(URL), query)
    assert answer.status_code == 400 and "attachment" not in answer.get("Content-Disposition", "")
    assert exported_by(supervisor, "referrals.referral") == 0


def test_only_supervisors_may_download(client, counselor, coordinator, expert, outsider, her_case):
    _referral(her_case, counselor)
    for user in (counselor, coordinator, expert, outsider):
        client.force_login(user)
        assert client.get(reverse(URL), {"format": "csv"}).status_code == 404
    client.force_login(counselor)
    assert "export-referrals-referrals" not in client.get(reverse("referrals:board")).text


def test_the_board_offers_the_download_with_its_filters(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("referrals:board")).text
    assert reverse(URL) + "?format=csv" in page


@pytest.mark.parametrize("count", [1, 6])
def test_the_download_runs_a_fixed_number_of_queries(
    client, supervisor, counselor, her_case, count, django_assert_num_queries
):
    for _ in range(count):
        _referral(her_case, counselor)
    client.force_login(supervisor)
    with django_assert_num_queries(QUERIES):
        rows = csv_rows(client.get(reverse(URL)))
    assert len(rows) == count + 1
