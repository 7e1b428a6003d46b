"""The referrals pages: who reaches which (404 for anyone else), forms that refuse with their
reason and change nothing, exports, and a fixed number of queries on the board, the directory
and the case page."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory
from referrals import services
from referrals.models import Accompaniment, Partner, ProvisionRecord, Referral

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(her_case, sent, partner, counselor):
    accompaniment = services.accompaniment_book(
        case=her_case,
        place="区役所",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
        referral=sent,
    )
    meeting = services.meeting_record(
        held_at=timezone.now() - datetime.timedelta(hours=2),
        title="支援調整会議",
        by=counselor,
        cases=[
            services.MeetingCaseInput(
                case=her_case, shared_items=["nickname"], consent=sent.consent
            )
        ],
        organisations=[partner],
    )
    return {
        "referral": reverse("referrals:detail", args=[sent.pk]),
        "board": reverse("referrals:board"),
        "create": reverse("referrals:create") + f"?case={her_case.pk}",
        "consent": reverse("referrals:consent_record", args=[her_case.client_id]),
        "accompaniment": reverse("referrals:accompaniment_detail", args=[accompaniment.pk]),
        "agenda": reverse("referrals:agenda"),
        "book": reverse("referrals:accompaniment_book") + f"?case={her_case.pk}",
        "meetings": reverse("referrals:meetings"),
        "meeting": reverse("referrals:meeting_detail", args=[meeting.pk]),
        "meeting_new": reverse("referrals:meeting_create"),
        "partners": reverse("referrals:partners"),
        "partner": reverse("referrals:partner_detail", args=[partner.pk]),
        "partner_new": reverse("referrals:partner_create"),
        "partner_edit": reverse("referrals:partner_edit", args=[partner.pk]),
        "import": reverse("referrals:partner_import"),
        "export_csv": reverse("referrals:partner_export_csv"),
        "export_xlsx": reverse("referrals:partner_export_xlsx"),
        "summary": reverse("referrals:summary"),
        "provisions": reverse("referrals:provisions"),
        "provision_export": reverse("referrals:provision_export"),
    }


CASEWORK = {"referral", "board", "create", "consent", "accompaniment", "agenda", "book"}
CASEWORK |= {"meetings", "meeting", "meeting_new"}
DIRECTORY = {"partners", "partner", "export_csv", "export_xlsx"}
KEEPING = {"partner_new", "partner_edit", "import"}
SUPERVISION = {"provisions", "provision_export"}
FIGURES = {"summary"}

ACCESS = {
    "counselor": CASEWORK | DIRECTORY | FIGURES,
    "colleague": DIRECTORY | FIGURES | {"board", "agenda", "meetings", "meeting_new"},
    "supervisor": CASEWORK | DIRECTORY | KEEPING | SUPERVISION | FIGURES,
    "coordinator": DIRECTORY | KEEPING | FIGURES,
    "expert": set(),
}


@pytest.mark.parametrize("persona", sorted(ACCESS))
def test_each_role_reaches_its_pages_and_gets_404_elsewhere(client, request, pages, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for name, url in pages.items():
        status = client.get(url).status_code
        expected = 200 if name in ACCESS[persona] else 404
        assert status == expected, (persona, name, status)


def test_a_denied_referral_page_is_logged_and_names_nothing(client, pages, colleague):
    client.force_login(colleague)
    body = client.get(pages["referral"]).content.decode()
    assert AccessLog.objects.filter(user=colleague, action="denied").exists()
    assert "食料の支援が必要" not in body


def test_the_referral_page_is_in_the_access_log(client, pages, counselor, sent):
    client.force_login(counselor)
    client.get(pages["referral"])
    assert AccessLog.objects.filter(
        user=counselor, action="view", object_type="referrals.referral", object_id=str(sent.pk)
    ).exists()


# --- forms refuse with a reason and change nothing ------------------------------------------


def test_sending_without_consent_re_renders_with_the_reason(client, counselor, draft):
    client.force_login(counselor)
    answer = client.post(reverse("referrals:send", args=[draft.pk]), {"send-consent": ""})
    assert answer.status_code == 400
    assert "同意" in answer.content.decode()
    draft.refresh_from_db()
    assert draft.status == Referral.Status.DRAFT
    assert not ProvisionRecord.objects.filter(referral=draft).exists()


def test_a_counselor_is_not_offered_the_emergency_override(client, counselor, draft):
    client.force_login(counselor)
    body = client.get(reverse("referrals:detail", args=[draft.pk])).content.decode()
    assert "send-emergency_reason" not in body
    answer = client.post(
        reverse("referrals:send", args=[draft.pk]), {"send-emergency_reason": "命の危険"}
    )
    assert answer.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Referral.Status.DRAFT


def test_a_supervisor_sends_on_an_emergency_override(client, supervisor, draft):
    client.force_login(supervisor)
    body = client.get(reverse("referrals:detail", args=[draft.pk])).content.decode()
    assert "send-emergency_reason" in body
    answer = client.post(
        reverse("referrals:send", args=[draft.pk]),
        {"send-emergency_reason": "DV加害者が自宅に来ている"},
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Referral.Status.SENT and draft.override_by == supervisor
    assert ProvisionRecord.objects.get(referral=draft).basis == "emergency"


def test_declining_needs_a_reason(client, counselor, sent):
    client.force_login(counselor)
    url = reverse("referrals:step_decline", args=[sent.pk])
    assert client.post(url, {"decline-text": ""}).status_code == 400
    sent.refresh_from_db()
    assert sent.status == Referral.Status.SENT
    assert client.post(url, {"decline-text": "定員に達した"}).status_code == 302
    sent.refresh_from_db()
    assert sent.status == Referral.Status.DECLINED


def test_a_step_the_status_does_not_allow_is_refused_with_its_reason(client, counselor, draft):
    client.force_login(counselor)
    answer = client.post(reverse("referrals:step_accept", args=[draft.pk]), {"accept-text": ""})
    assert answer.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Referral.Status.DRAFT


def test_a_referral_to_an_inactive_partner_is_refused(client, counselor, her_case):
    gone = PartnerFactory(is_active=False)
    client.force_login(counselor)
    answer = client.post(
        reverse("referrals:create"),
        {"case": her_case.pk, "partner": gone.pk, "reason": "x", "shared_items": ["nickname"]},
    )
    assert answer.status_code == 400
    assert not Referral.objects.filter(partner=gone).exists()


def test_booking_an_accompaniment_refuses_a_negative_cost(client, counselor, her_case):
    client.force_login(counselor)
    answer = client.post(
        reverse("referrals:accompaniment_book"),
        {
            "case": her_case.pk,
            "starts_at": "2027-01-10T10:00",
            "place": "区役所",
            "counselors": [counselor.pk],
            "cost_yen": "-5",
        },
    )
    assert answer.status_code == 400
    assert not Accompaniment.objects.exists()


def test_recording_the_outcome_needs_one(client, counselor, pages):
    accompaniment = Accompaniment.objects.get()
    client.force_login(counselor)
    url = reverse("referrals:accompaniment_outcome", args=[accompaniment.pk])
    assert client.post(url, {"outcome-outcome": ""}).status_code == 400
    assert client.post(url, {"outcome-outcome": "申請できた"}).status_code == 302
    accompaniment.refresh_from_db()
    assert accompaniment.status == Accompaniment.Status.HELD


# --- the directory: import and export -------------------------------------------------------


def _upload(text: str, encoding: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("partners.csv", text.encode(encoding), content_type="text/csv")


def test_an_import_with_a_bad_row_imports_nothing_and_names_the_row(client, coordinator):
    client.force_login(coordinator)
    text = "name,kind,ward\nあさひ食堂（架空）,kodomo_shokudo,271110\nだめな団体,nosuch,271110\n"
    answer = client.post(reverse("referrals:partner_import"), {"file": _upload(text, "cp932")})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "3" in body and 'id="import-errors"' in body
    assert not Partner.objects.filter(name="あさひ食堂（架空）").exists()


def test_an_import_in_cp932_adds_the_partners(client, coordinator):
    client.force_login(coordinator)
    text = "name,kind,ward,services\nあさひ食堂（架空）,kodomo_shokudo,271110,food;childcare\n"
    answer = client.post(reverse("referrals:partner_import"), {"file": _upload(text, "cp932")})
    assert answer.status_code == 302
    assert Partner.objects.get(name="あさひ食堂（架空）").services == ["food", "childcare"]


def test_the_exports_hold_the_directory(client, coordinator, partner):
    client.force_login(coordinator)
    answer = client.get(reverse("referrals:partner_export_csv"))
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["name", "kind"] and rows[1][0] == partner.name
    answer = client.get(reverse("referrals:partner_export_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet.cell(row=2, column=1).value == partner.name


def test_the_provision_export_lists_the_records_of_a_client(client, supervisor, sent):
    client.force_login(supervisor)
    answer = client.get(reverse("referrals:provision_export"), {"client": sent.client_id})
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][1] == sent.partner.name and rows[1][3] == str(sent.client_id)
    assert AccessLog.objects.filter(user=supervisor, action="export").exists()


def test_a_period_that_ends_before_it_starts_is_refused(client, supervisor):
    client.force_login(supervisor)
    answer = client.get(reverse("referrals:summary"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert answer.status_code == 400


# --- a fixed number of queries --------------------------------------------------------------


def _many(counselor, n):
    for i in range(n):
        her = ClientFactory(counselors=[counselor], created_by=counselor)
        case = CaseFactory(client=her, opened_by=counselor, counselors=[counselor])
        partner = PartnerFactory()
        referral = services.referral_create(
            case=case, partner=partner, reason=f"理由{i}", shared_items=["nickname"], by=counselor
        )
        services.accompaniment_book(
            case=case,
            place=f"区役所{i}",
            starts_at=timezone.now() + datetime.timedelta(days=1, hours=i),
            counselors=[counselor],
            by=counselor,
            referral=referral,
        )
    return case


@pytest.mark.parametrize("n", [1, 12])
def test_board_directory_and_case_page_run_a_fixed_number_of_queries(
    client, counselor, n, django_assert_max_num_queries
):
    case = _many(counselor, n)
    client.force_login(counselor)
    # Board: session, user, roles, MFA device, the referrals (with case, client, partner,
    # creator), unread badge, access-log row, nav capability reads.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("referrals:board")).status_code == 200
    # Directory: session, user, roles, MFA device, count, the page, unread badge.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("referrals:partners")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("referrals:agenda")).status_code == 200
    # The case page: its own budget (cases/tests) plus this app's section: referrals,
    # accompaniments and their counselors (and the other apps' timeline providers, one query
    # each since activities, supplies and LINE care registered theirs).
    with django_assert_max_num_queries(36):
        assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
