"""Retention keeps the figures and leaves no name, number or note anywhere; the disclosure holds
every app's rows; erasure needs a second supervisor; a consent withdrawal blocks sharing."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Case, CaseNote, Client, Consultation, RiskFlag
from cases.selectors.dashboard import programme_counts
from cases.services import cases as case_services
from cases.services import clients as client_services
from cases.tests.factories import ClientFactory, ConsultationFactory
from core.time import TOKYO
from followups.services import followup_create
from privacy.models import AnonymisationRecord, ConsentWithdrawal, ErasureRequest
from privacy.selectors import client_may_be_shared, retention_due
from privacy.services import (
    consent_withdraw,
    erasure_request_create,
    erasure_request_decide,
    retention_anonymise,
)
from tests.testapp.models import Visit

pytestmark = pytest.mark.django_db

NAME, PHONE, LINE_ID = "はなこ秘密", "0698765432", "U" + "a" * 32
TEXTS = [
    "夫から逃げたい",
    "子どもと避難",
    "シェルター検討",
    "住まいを探す",
    "役所へ同行",
    "電話する",
]
PAST = datetime.datetime(2019, 6, 10, 14, tzinfo=TOKYO)  # FY2019


def _her_records(
    counselor, supervisor, *, at=PAST, line_user_id=LINE_ID, nickname=NAME, phone=PHONE
):
    her = ClientFactory(
        nickname=nickname,
        phone=phone,
        line_user_id=line_user_id,
        ward="kita",
        counselors=[counselor],
    )
    client_services.client_update(
        client=her, by=counselor, nickname=nickname + "2"
    )  # a history row
    c = ConsultationFactory(
        client=her, recorded_by=counselor, started_at=at, summary=TEXTS[0], notes=TEXTS[1]
    )
    case = case_services.case_open(client=her, by=counselor, opened_from=c)
    case_services.case_note_add(case=case, body=TEXTS[2], by=counselor)
    goal = case_services.support_goal_add(case=case, text=TEXTS[3], by=counselor)
    case_services.support_action_add(
        case=case, description=TEXTS[4], owner=counselor, due_on=None, by=counselor, goal=goal
    )
    client_services.risk_flag_set(client=her, kind="dv_danger", by=counselor, note=TEXTS[1])
    followup_create(
        client=her,
        case=case,
        consultation=c,
        what=TEXTS[5],
        due_at=timezone.now() + datetime.timedelta(hours=1),
        assignee=counselor,
        by=counselor,
    )
    # Her follow-up is still open: the counselor has seen it, the supervisor cancels it.
    closure = case_services.case_request_closure(
        case=case, reason="resolved", note=TEXTS[2], by=counselor, open_items_seen=True
    )
    case_services.case_approve_closure(
        request=closure, by=supervisor, open_items="cancel", open_items_reason="終結のため"
    )
    return her, case


def _age_everything(her, at=PAST):
    """Move every time about her back to `at` (the append-only tables by raw SQL, as if the
    rows had been written then)."""
    import pgtrigger

    from cases.privacy import APPEND_ONLY_LIFTED
    from followups.models import FollowUp

    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        Client.objects.filter(pk=her.pk).update(updated_at=at, first_contact_at=at, created_at=at)
        Consultation.objects.filter(client=her).update(updated_at=at)
        Case.objects.filter(client=her).update(updated_at=at, opened_at=at, closed_at=at)
        CaseNote.objects.filter(case__client=her).update(created_at=at)
        from cases.models import CaseEvent

        CaseEvent.objects.filter(case__client=her).update(at=at)
        RiskFlag.objects.filter(client=her).update(set_at=at)
        FollowUp.objects.filter(client=her).update(created_at=at, due_at=at, cancelled_at=at)


def _figures(now):
    consultations = Consultation.objects.all()
    return {
        "programme": programme_counts(now=now),
        "by_kind_month": sorted(
            consultations.annotate(m=TruncMonth("started_at", tzinfo=TOKYO))
            .values_list("kind", "m")
            .annotate(n=Count("pk"))
        ),
        "by_concern": sorted(consultations.values_list("main_concern").annotate(n=Count("pk"))),
        "by_ward_age": sorted(
            Client.objects.values_list("ward", "age_band").annotate(n=Count("pk"))
        ),
        "cases": sorted(Case.objects.values_list("status", "close_reason").annotate(n=Count("pk"))),
        "outcomes": sorted(tuple(o) for o in consultations.values_list("outcomes", flat=True)),
        "opened_2019": Case.objects.filter(opened_at__year=2019).count(),
        "closed_2019": Case.objects.filter(closed_at__year=2019).count(),
    }


def _text_anywhere(needles) -> list[str]:
    """Every (table, needle) where a needle appears in any text column of our tables."""
    found = []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema='public' AND data_type IN ('text','character varying','jsonb') "
            "AND (table_name LIKE 'cases_%%' OR table_name LIKE 'followups_%%' "
            "OR table_name LIKE 'notifications_%%' OR table_name LIKE 'privacy_%%')"
        )
        for table, column in cur.fetchall():
            for needle in needles:
                cur.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',
                    [f"%{needle}%"],
                )
                if cur.fetchone():
                    found.append(f"{table}.{column}: {needle}")
    return found


def test_retention_keeps_the_figures_and_leaves_no_name_number_or_note(counselor, supervisor):
    her, _case = _her_records(counselor, supervisor)
    _age_everything(her)
    recent, _ = _her_records(
        counselor,
        supervisor,
        at=timezone.now() - datetime.timedelta(days=30),
        line_user_id=None,
        nickname="最近の人",
        phone="0611112222",
    )
    now = timezone.now()
    before = {**_figures(now), "fy2019": _figures(PAST)}
    assert _text_anywhere([NAME, PHONE, LINE_ID, *TEXTS])  # the probe finds them first

    assert list(retention_due(now=now).values_list("pk", flat=True)) == [her.pk]
    assert retention_anonymise(now=now) == [her.pk]
    assert retention_anonymise(now=now) == []  # idempotent: nothing due any more

    after = {**_figures(now), "fy2019": _figures(PAST)}
    assert after == before
    her.refresh_from_db()
    assert (her.nickname, her.phone, her.line_user_id) == (f"匿名化済み No.{her.pk}", "", None)
    record = AnonymisationRecord.objects.get(client=her)
    assert record.reason == "retention" and record.last_activity_at is not None
    # Her texts remain only in the recent client's rows (same texts), her name/phone/id nowhere.
    assert _text_anywhere([NAME, PHONE, LINE_ID]) == []
    recent_texts = Consultation.objects.filter(client=recent).values_list("summary", flat=True)
    assert list(recent_texts) == [TEXTS[0]]
    assert Consultation.objects.get(client=her).summary == ""
    assert not CaseNote.objects.filter(case__client=her, body__in=TEXTS).exists()


def test_a_recent_consultation_keeps_her_out_of_retention(counselor, supervisor):
    her, _ = _her_records(counselor, supervisor)
    _age_everything(her)
    ConsultationFactory(client=her, recorded_by=counselor)  # today
    assert retention_anonymise() == []


def test_the_command_dry_run_counts_and_changes_nothing(counselor, supervisor):
    import io

    from django.core.management import call_command

    her, _ = _her_records(counselor, supervisor)
    _age_everything(her)
    out = io.StringIO()
    call_command("retention_anonymise", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 client records due")
    assert not AnonymisationRecord.objects.exists()
    call_command("retention_anonymise", stdout=out)
    assert AnonymisationRecord.objects.filter(client=her).exists()


def test_the_disclosure_holds_every_apps_rows_and_is_logged(client, counselor, supervisor, expert):
    her, case = _her_records(counselor, supervisor)
    Visit.objects.create(
        client=her, case=case, at=timezone.now(), place="区役所", recorded_by=expert
    )
    AccessLog.objects.create(
        user=counselor, action="view", object_type="cases.case", object_id=str(case.pk)
    )
    client.force_login(supervisor)
    response = client.get(reverse("privacy:disclosure_json", args=[her.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert NAME not in response["Content-Disposition"]
    body = json.loads(response.content)
    dumped = json.dumps(body, ensure_ascii=False)
    for needle in [NAME + "2", PHONE, LINE_ID, *TEXTS, "区役所"]:
        assert needle in dumped, needle
    keys = [h["key"] for h in body["holders"]]
    assert {"cases", "followups", "audit", "testapp", "privacy"} <= set(keys)
    audit = next(h for h in body["holders"] if h["key"] == "audit")
    assert any(r for r in audit["sections"][0]["rows"] if f"cases.case #{case.pk}" in r.values())
    assert AccessLog.objects.filter(
        action="export", object_id=str(her.pk), user=supervisor
    ).exists()
    page = client.get(reverse("privacy:disclosure", args=[her.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert TEXTS[2] in page.content.decode()
    assert AccessLog.objects.filter(action="print", object_id=str(her.pk)).exists()
    client.force_login(counselor)  # hers, but disclosure is for supervisors
    assert client.get(reverse("privacy:disclosure", args=[her.pk])).status_code == 404


def test_erasure_needs_another_supervisor_and_anonymises_on_approval(client, counselor, supervisor):
    from accounts.tests.factories import UserFactory
    from core.roles import Role

    her, _ = _her_records(counselor, supervisor)
    client.force_login(counselor)
    url = reverse("privacy:erasure_request", args=[her.pk])
    assert client.post(url, {"received_via": "nowhere"}).status_code == 400
    assert client.post(url, {"received_via": "phone", "reason": "消してほしい"}).status_code == 302
    request = ErasureRequest.objects.get(client=her)
    assert request.requested_by == counselor and request.state == "pending"
    # The supervisor who records a request cannot decide it herself.
    other_her, _ = _her_records(counselor, supervisor, line_user_id=None)
    own = erasure_request_create(client=other_her, received_via="line", by=supervisor)
    with pytest.raises(Exception):  # noqa: B017
        erasure_request_decide(request=own, approve=True, by=supervisor)
    second = UserFactory(username="supervisor2", roles=[Role.SUPERVISOR])
    client.force_login(supervisor)
    decide = reverse("privacy:erasure_decide", args=[request.pk])
    assert client.post(decide, {"decision": "decline", "note": ""}).status_code == 400
    assert client.post(decide, {"decision": "approve", "note": ""}).status_code == 302
    request.refresh_from_db()
    assert request.state == "approved" and request.reason == ""
    record = AnonymisationRecord.objects.get(client=her)
    assert (record.reason, record.approved_by, record.erasure_request) == (
        "erasure",
        supervisor,
        request,
    )
    her.refresh_from_db()
    assert her.nickname == f"匿名化済み No.{her.pk}" and her.status == "inactive"
    erasure_request_decide(request=own, approve=False, note="本人確認できず", by=second)
    assert not AnonymisationRecord.objects.filter(client=other_her).exists()


def test_a_consent_withdrawal_blocks_sharing_and_shows_on_her_page(client, counselor):
    from core import authz

    her = ClientFactory(counselors=[counselor])
    client_services.client_update(
        client=her,
        by=counselor,
        consent_scope="share",
        consent_given_on=timezone.localdate() - datetime.timedelta(days=10),
        consent_method="line",
    )
    her.refresh_from_db()
    assert client_may_be_shared(her) and authz.can(counselor, "privacy.may_share_client", her)
    client.force_login(counselor)
    url = reverse("privacy:consent_withdraw", args=[her.pk])
    assert client.post(url, {"scope": "sharing", "method": "nowhere"}).status_code == 400
    assert (
        client.post(url, {"scope": "sharing", "method": "phone", "note": "電話で"}).status_code
        == 302
    )
    her.refresh_from_db()
    withdrawal = ConsentWithdrawal.objects.get(client=her)
    assert (withdrawal.scope_before, withdrawal.recorded_by) == ("share", counselor)
    assert her.consent_scope == "record" and her.consent_recorded_by == counselor
    assert not authz.can(counselor, "privacy.may_share_client", her)
    # Set back to "share" with the old date: still blocked (the old consent was withdrawn).
    Client.objects.filter(pk=her.pk).update(consent_scope="share")
    her.refresh_from_db()
    assert not client_may_be_shared(her)
    html = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    assert 'id="privacy-withdrawal"' in html
    consent_withdraw(client=her, scope="all", method="line", by=counselor)
    her.refresh_from_db()
    assert her.consent_scope == "none"
