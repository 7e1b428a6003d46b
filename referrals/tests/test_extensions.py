"""What the referrals app adds to the shared screens and jobs: the case timeline, the client
merge, the closing of a case, her APPI rights, the admin and the demo data."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case
from cases.services import cases as case_services
from cases.services.clients import client_merge, client_merge_preview
from cases.tests.factories import CaseFactory, ClientFactory
from cases.timeline import case_timeline
from core import registry
from core.roles import Role
from privacy.selectors import client_disclosure
from privacy.services import erasure_request_create, erasure_request_decide
from referrals import demo, services
from referrals.models import (
    Accompaniment,
    Consent,
    CoordinationMeeting,
    Partner,
    ProvisionRecord,
    Referral,
)
from referrals.selectors import provision_records
from referrals.timeline import timeline_entries

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_transitions_accompaniments_and_meetings(
    sent, counselor, django_assert_num_queries
):
    services.referral_accept(referral=sent, by=counselor, note="受入OK")
    services.accompaniment_book(
        case=sent.case,
        place="パントリー会場",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
    )
    with django_assert_num_queries(3):  # transitions, accompaniments, meetings
        entries = timeline_entries(sent.case)
    kinds = [e["kind"] for e in entries]
    assert kinds.count("referral") == 3 and kinds.count("accompaniment") == 1
    assert any(e["body"] == "受入OK" for e in entries)
    assert {e.kind for e in case_timeline(sent.case)} >= {"referral", "accompaniment"}


def test_a_merge_moves_her_referral_rows_and_keeps_the_provision_record(
    sent, counselor, supervisor
):
    merged = sent.client
    kept = ClientFactory(counselors=[counselor])
    services.accompaniment_book(
        case=sent.case,
        place="区役所",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
    )
    preview = client_merge_preview(kept=kept, merged=merged)
    assert (preview["referrals"], preview["referral_consents"], preview["accompaniments"]) == (
        1,
        1,
        1,
    )
    client_merge(kept=kept, merged=merged, by=supervisor, note="重複")
    sent.refresh_from_db()
    assert sent.client == kept and sent.case.client == kept
    assert Consent.objects.get().client == kept
    assert Accompaniment.objects.get().client == kept
    # Evidence as written; the supervisors' list of the kept record still finds it.
    assert ProvisionRecord.objects.get().client == merged
    assert provision_records(supervisor, client=kept).count() == 1


def test_closing_lists_and_withdraws_open_referrals_and_accompaniments(
    draft, counselor, supervisor
):
    accompaniment = services.accompaniment_book(
        case=draft.case,
        place="区役所",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        counselors=[counselor],
        by=counselor,
    )
    items = registry.case_open_items.get("referrals").items([draft.case_id])
    assert [str(i.kind) for i in items[draft.case_id]] == ["Referral", "Accompaniment"]
    request = case_services.case_request_closure(
        case=draft.case, reason="connected", note="", by=counselor, open_items_seen=True
    )
    case_services.case_approve_closure(
        request=request,
        by=supervisor,
        open_items=registry.SETTLE_CANCEL,
        open_items_reason="他機関につないだ",
    )
    draft.refresh_from_db()
    accompaniment.refresh_from_db()
    assert draft.case.status == Case.Status.CLOSED
    assert draft.status == "withdrawn"
    assert draft.transitions.last().note == "他機関につないだ"
    assert accompaniment.status == "cancelled"


def test_anonymisation_scrubs_the_texts_and_leaves_provision_records_intact(
    sent, counselor, supervisor
):
    services.referral_decline(referral=sent, by=counselor, reason="本人の名前を含む理由")
    before = list(ProvisionRecord.objects.values())
    other_supervisor = UserFactory(roles=[Role.SUPERVISOR])
    request = erasure_request_create(client=sent.client, received_via="line", by=supervisor)
    erasure_request_decide(request=request, approve=True, by=other_supervisor)
    sent.refresh_from_db()
    assert "本人の名前" not in sent.declined_reason and "食料" not in sent.reason
    assert not sent.transitions.filter(note__contains="本人の名前").exists()
    assert list(ProvisionRecord.objects.values()) == before


def test_disclosure_lists_her_referrals_and_provision_records(sent, supervisor):
    disclosed = {d["key"]: d for d in client_disclosure(user=supervisor, client=sent.client)}
    sections = {s["label"]: s["rows"] for s in disclosed["referrals"]["sections"]}
    assert len(sections["Referrals"]) == 1
    assert len(sections["Third-party provision records"]) == 1


def test_supervisors_read_the_admin_pages(client, supervisor, sent):
    client.force_login(supervisor)
    for name in ("partner", "provisionrecord", "referraltransition"):
        response = client.get(f"/admin/referrals/{name}/")
        assert response.status_code == 200, name


# --- demo data --------------------------------------------------------------------------------


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _fingerprint() -> list:
    return list(
        Referral.objects.order_by("created_at", "partner__name", "status").values_list(
            "partner__name", "status", "created_at", "shared_items"
        )
    )


def test_the_demo_seeds_every_kind_and_status_and_reset_replaces_it():
    _seed("--scale", "1", "--seed", "7")
    assert set(Partner.objects.values_list("kind", flat=True)) == set(Partner.Kind.values)
    assert all(p.name.endswith(demo.FICTITIOUS) for p in Partner.objects.all())
    by_kind: dict[str, set[str]] = {}
    for kind, status in Referral.objects.values_list("partner__kind", "status"):
        by_kind.setdefault(kind, set()).add(status)
    full = [kind for kind, statuses in by_kind.items() if statuses == set(Referral.Status.values)]
    assert len(full) >= 5
    assert Accompaniment.objects.filter(status="held").exists()
    assert Accompaniment.objects.filter(status="planned").exists()
    assert CoordinationMeeting.objects.count() == 2
    sent = Referral.objects.exclude(sent_at=None)
    assert ProvisionRecord.objects.filter(referral__isnull=False).count() == sent.count()
    first = _fingerprint()

    _seed("--reset", "--scale", "1", "--seed", "7")
    assert _fingerprint() == first  # the same seed, the same referrals
    assert CoordinationMeeting.objects.count() == 2
    assert Partner.objects.count() == 28


def test_demo_cases_come_from_the_cases_seeder():
    _seed("--scale", "1", "--seed", "3")
    assert Referral.objects.exists()
    assert not Referral.objects.exclude(case__client=F("client")).exists()


def test_a_case_of_another_client_cannot_be_used(counselor):
    # The referral's client is always the case's.
    case = CaseFactory(client=ClientFactory(counselors=[counselor]), counselors=[counselor])
    referral = services.referral_create(
        case=case,
        partner=Partner.objects.create(name="x（架空）", kind="other"),
        reason="x",
        shared_items=["nickname"],
        by=counselor,
    )
    assert referral.client_id == case.client_id
