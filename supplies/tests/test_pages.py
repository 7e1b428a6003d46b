"""The stock pages: what each persona gets, invalid forms answer 400 and change nothing, fixed
query counts at two sizes, exports (BOM, neutralised formulas), the slip and the figures."""

from __future__ import annotations

import csv
import datetime
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from cases.timeline import case_timeline
from core import registry
from supplies import selectors, services
from supplies.models import Handout, StockMovement

from .factories import PlaceFactory

pytestmark = pytest.mark.django_db


def _grow(kit, storage, coordinator, n: int) -> None:
    services.stock_receive(item=kit, place=storage, quantity=1000, by=coordinator)
    for _ in range(n):
        services.stock_distribute(
            item=kit, source=storage, target=PlaceFactory(), quantity=2, by=coordinator
        )


@pytest.mark.parametrize("n", [2, 12])
def test_overview_and_history_run_a_fixed_number_of_queries(
    client, coordinator, kit, storage, n, django_assert_max_num_queries
):
    _grow(kit, storage, coordinator, n)
    client.force_login(coordinator)
    # session, user, groups, access log and messages; items, places, balances, minimums, requests
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:overview")).status_code == 200
    with django_assert_max_num_queries(16):
        answer = client.get(reverse("supplies:history"), {"place": storage.pk})
        assert answer.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("supplies:distribution")).status_code == 200


def test_a_counselor_reads_but_cannot_record_receipts(client, counselor, outsider):
    client.force_login(counselor)
    assert client.get(reverse("supplies:overview")).status_code == 200
    assert client.get(reverse("supplies:receive")).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("supplies:overview")).status_code == 404


def test_an_invalid_distribution_answers_400_and_moves_nothing(
    client, coordinator, kit, storage, site
):
    client.force_login(coordinator)
    form = client.get(reverse("supplies:distribute")).context["form"]
    answer = client.post(
        reverse("supplies:distribute"),
        {
            "batch": form.initial["batch"],
            "what": f"kit:{kit.pk}",
            "quantity": 5,
            "source": storage.pk,
            "target": site.pk,
        },
    )
    assert answer.status_code == 400
    assert "available" in answer.content.decode() or "在庫" in answer.content.decode()
    assert not StockMovement.objects.exists()


def test_a_double_posted_receipt_books_once(client, coordinator, pads, storage):
    client.force_login(coordinator)
    data = {
        "batch": str(uuid.uuid4()),
        "what": f"item:{pads.pk}",
        "quantity": 10,
        "place": storage.pk,
        "origin": "purchase",
    }
    for _ in range(2):
        assert client.post(reverse("supplies:receive"), data).status_code == 302
    assert StockMovement.objects.count() == 1


def test_exports_have_a_bom_and_neutralise_formulas(client, coordinator, pads, storage):
    services.stock_receive(
        item=pads, place=storage, quantity=3, by=coordinator, supplier="=HYPERLINK(1)"
    )
    client.force_login(coordinator)
    answer = client.get(reverse("supplies:export_csv"))
    body = b"".join(answer.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "no-store" in answer["Cache-Control"]
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][9] == "'=HYPERLINK(1)"
    book = load_workbook(io.BytesIO(client.get(reverse("supplies:export_xlsx")).content))
    assert book.active.cell(row=2, column=10).value == "'=HYPERLINK(1)"


def test_a_handout_shows_on_her_timeline_and_in_her_disclosure(
    client, counselor, kit, storage, coordinator
):
    services.stock_receive(item=kit, place=storage, quantity=5, by=coordinator)
    her = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
    consultation = ConsultationFactory(client=her, case=case, recorded_by=counselor)
    client.force_login(counselor)
    page = client.get(reverse("cases:client_detail", kwargs={"pk": her.pk}))
    assert reverse("supplies:handout", kwargs={"consultation_pk": consultation.pk}) in (
        page.content.decode()
    )
    form = client.get(reverse("supplies:handout", kwargs={"consultation_pk": consultation.pk}))
    data = {
        "batch": form.context["form"].initial["batch"],
        "what": kit.pk,
        "source": storage.pk,
        "quantity": 1,
    }
    url = reverse("supplies:handout", kwargs={"consultation_pk": consultation.pk})
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # twice: one handout
    assert Handout.objects.count() == 1
    kinds = [e.kind for e in case_timeline(case)]
    assert "supplies_handout" in kinds
    [section] = registry.client_data.get("supplies").disclose(her)
    assert len(section["rows"]) == 1


def test_a_colleague_cannot_hand_out_in_a_consultation_she_may_not_see(
    client, counselor, colleague, kit
):
    consultation = ConsultationFactory(client=ClientFactory(counselors=[counselor]))
    client.force_login(colleague)
    url = reverse("supplies:handout", kwargs={"consultation_pk": consultation.pk})
    assert client.get(url).status_code == 404


def test_a_merge_moves_her_handouts(counselor, supervisor, kit, storage, coordinator):
    from cases.services.clients import client_merge

    services.stock_receive(item=kit, place=storage, quantity=5, by=coordinator)
    kept = ClientFactory(counselors=[counselor])
    merged = ClientFactory(counselors=[counselor])
    consultation = ConsultationFactory(client=merged, recorded_by=counselor)
    services.stock_hand_out(
        consultation=consultation, item=kit, source=storage, quantity=1, by=counselor
    )
    client_merge(kept=kept, merged=merged, by=supervisor)
    assert Handout.objects.get().client == kept


def test_site_request_is_approved_for_fewer_and_fulfilled_in_one_click(
    client, coordinator, pads, storage, site
):
    services.stock_receive(item=pads, place=storage, quantity=100, by=coordinator)
    request = services.site_request_create(site=site, item=pads, quantity=50, by=coordinator)
    client.force_login(coordinator)
    client.post(reverse("supplies:approve", kwargs={"pk": request.pk}), {"quantity": 30})
    client.post(reverse("supplies:fulfil", kwargs={"pk": request.pk}), {"source": storage.pk})
    request.refresh_from_db()
    assert (request.status, request.approved) == ("fulfilled", 30)
    [m] = StockMovement.objects.filter(kind="distribution")
    assert (m.quantity, m.target_id) == (30, site.pk)
    slip = client.get(reverse("supplies:slip", kwargs={"pk": m.pk}))
    assert slip.status_code == 200 and site.name in slip.content.decode()
    home = client.get(reverse("home"))
    assert home.status_code == 200


def test_report_numbers_count_distributions_and_handouts_once(
    kit, pads, storage, coordinator, counselor
):
    other = PlaceFactory(site_type="school")
    second = PlaceFactory(site_type="kodomo_shokudo")
    at = timezone.make_aware(datetime.datetime(2022, 6, 10, 12))
    services.stock_receive(item=kit, place=storage, quantity=100, by=coordinator, occurred_at=at)
    services.stock_distribute(
        item=kit, source=storage, target=other, quantity=20, by=coordinator, occurred_at=at
    )
    # a transfer on from the school is not counted again
    services.stock_transfer(
        item=kit, source=other, target=second, quantity=5, by=coordinator, occurred_at=at
    )
    wrong = services.stock_distribute(
        item=kit, source=storage, target=second, quantity=7, by=coordinator, occurred_at=at
    )
    services.stock_batch_reverse(batch=wrong[0].batch, reason="誤り", by=coordinator)
    consultation = ConsultationFactory(
        client=ClientFactory(counselors=[counselor]),
        recorded_by=counselor,
        started_at=at,
        ended_at=at + datetime.timedelta(hours=1),
    )
    services.stock_hand_out(
        consultation=consultation, item=kit, source=storage, quantity=1, by=counselor
    )
    n = selectors.report_numbers(datetime.date(2022, 4, 1), datetime.date(2023, 3, 31))
    assert n["supplies.distributed.pads_28"] == 21
    assert n["supplies.by_site_type.school.pads_28"] == 20
    assert n["supplies.by_site_type.kodomo_shokudo.pads_28"] == 0
    assert n["supplies.handed_out.pads_28"] == 1
    # The reversal was booked today, after the period: at its end the 7 were still out.
    assert n["supplies.stock_at_end.pads_28"] == 72
    empty = selectors.report_numbers(datetime.date(2020, 4, 1), datetime.date(2021, 3, 31))
    assert set(empty) == set(n) and not any(empty.values())


def test_a_refused_reversal_answers_400_and_changes_nothing(client, coordinator, pads, storage):
    [m] = services.stock_receive(item=pads, place=storage, quantity=3, by=coordinator)
    client.force_login(coordinator)
    url = reverse("supplies:reverse", kwargs={"pk": m.pk})
    answer = client.post(url, {"batch": str(uuid.uuid4()), "reason": "x" * 1001})
    assert answer.status_code == 400
    assert client.post(url, {"batch": str(uuid.uuid4()), "reason": "誤入力"}).status_code == 302
    assert client.post(url, {"batch": str(uuid.uuid4()), "reason": "再度"}).status_code == 400
    assert StockMovement.objects.count() == 2
