"""The stock ledger: every kind of movement, reversal, counts, oversell refusal, idempotency,
and `stock_verify` catching a balance that drifted."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.tests.factories import ClientFactory, ConsultationFactory
from supplies import services
from supplies.models import Handout, SiteType, StockBalance, StockCount, StockMovement
from supplies.services.verify import stock_verify

from .factories import PlaceFactory, StorageFactory

pytestmark = pytest.mark.django_db


def qty(item, place) -> int:
    row = StockBalance.objects.filter(item=item, place=place).first()
    return row.quantity if row else 0


def test_a_receipt_adds_to_the_place(pads, storage, coordinator):
    [m] = services.stock_receive(
        item=pads, place=storage, quantity=100, by=coordinator, supplier="問屋", unit_cost_yen=300
    )
    assert m.kind == "receipt" and m.target_after == 100
    assert qty(pads, storage) == 100
    assert stock_verify() == []


def test_a_kit_moves_as_its_components(kit, pads, bag, leaflet, storage, site, coordinator):
    services.stock_receive(item=kit, place=storage, quantity=10, by=coordinator)
    moved = services.stock_distribute(
        item=kit, source=storage, target=site, quantity=4, by=coordinator
    )
    assert len(moved) == 3 and len({m.batch for m in moved}) == 1
    assert [qty(i, storage) for i in (pads, bag, leaflet)] == [6, 6, 6]
    assert [qty(i, site) for i in (pads, bag, leaflet)] == [4, 4, 4]


def test_transfer_distribution_and_their_rules(pads, storage, site, coordinator):
    other = StorageFactory()
    services.stock_receive(item=pads, place=storage, quantity=50, by=coordinator)
    services.stock_transfer(item=pads, source=storage, target=other, quantity=20, by=coordinator)
    services.stock_distribute(item=pads, source=other, target=site, quantity=5, by=coordinator)
    assert (qty(pads, storage), qty(pads, other), qty(pads, site)) == (30, 15, 5)
    with pytest.raises(ValidationError):
        services.stock_distribute(item=pads, source=site, target=other, quantity=1, by=coordinator)
    with pytest.raises(ValidationError):
        services.stock_transfer(
            item=pads, source=storage, target=storage, quantity=1, by=coordinator
        )


def test_an_oversell_is_refused_naming_item_place_and_quantities(pads, storage, site, coordinator):
    services.stock_receive(item=pads, place=storage, quantity=3, by=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.stock_distribute(
            item=pads, source=storage, target=site, quantity=5, by=coordinator
        )
    text = " ".join(refused.value.messages)
    assert str(pads) in text and storage.name in text and "3" in text and "5" in text
    assert qty(pads, storage) == 3 and qty(pads, site) == 0
    assert StockMovement.objects.count() == 1


def test_a_handout_goes_to_her_from_a_consultation(kit, pads, storage, counselor, coordinator):
    her = ClientFactory(counselors=[counselor])
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    services.stock_receive(item=kit, place=storage, quantity=5, by=coordinator)
    handout = services.stock_hand_out(
        consultation=consultation, item=kit, source=storage, quantity=1, by=counselor
    )
    assert handout.client == her
    assert handout.movements.count() == 3
    assert qty(pads, storage) == 4


def test_a_coordinator_cannot_hand_out_and_a_counselor_cannot_receive(
    kit, storage, counselor, coordinator, colleague
):
    consultation = ConsultationFactory(client=ClientFactory(counselors=[counselor]))
    with pytest.raises(PermissionDenied):
        services.stock_hand_out(
            consultation=consultation, item=kit, source=storage, quantity=1, by=colleague
        )
    with pytest.raises(PermissionDenied):
        services.stock_receive(item=kit, place=storage, quantity=1, by=counselor)


def test_an_adjustment_needs_a_reason(pads, storage, coordinator, supervisor):
    with pytest.raises(ValidationError):
        services.stock_adjust(item=pads, place=storage, change=5, reason=" ", by=coordinator)
    services.stock_adjust(item=pads, place=storage, change=5, reason="見つかった", by=supervisor)
    services.stock_adjust(item=pads, place=storage, change=-2, reason="破損", by=coordinator)
    assert qty(pads, storage) == 3
    with pytest.raises(ValidationError):
        services.stock_adjust(item=pads, place=storage, change=-4, reason="破損", by=coordinator)


def test_a_stock_count_books_the_difference(pads, storage, coordinator):
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)
    count = services.stock_count_record(item=pads, place=storage, counted=7, by=coordinator)
    assert (count.expected, count.counted) == (10, 7)
    [m] = count.movements.all()
    assert (m.kind, m.quantity, m.source_id) == ("count", 3, storage.pk)
    same = services.stock_count_record(item=pads, place=storage, counted=7, by=coordinator)
    assert not same.movements.exists()  # no difference, nothing booked
    assert StockCount.objects.count() == 2
    assert qty(pads, storage) == 7


def test_a_reversal_books_back_and_cannot_repeat(kit, pads, storage, site, coordinator):
    services.stock_receive(item=kit, place=storage, quantity=10, by=coordinator)
    moved = services.stock_distribute(
        item=kit, source=storage, target=site, quantity=4, by=coordinator
    )
    back = services.stock_batch_reverse(batch=moved[0].batch, reason="誤入力", by=coordinator)
    assert len(back) == 3 and all(m.kind == "reversal" for m in back)
    assert qty(pads, storage) == 10 and qty(pads, site) == 0
    with pytest.raises(ValidationError):
        services.stock_batch_reverse(batch=moved[0].batch, reason="再度", by=coordinator)
    with pytest.raises(ValidationError):
        services.stock_batch_reverse(batch=back[0].batch, reason="取消の取消", by=coordinator)
    assert StockMovement.objects.count() == 9  # nothing edited or deleted
    assert stock_verify() == []


def test_a_reversal_that_would_oversell_is_refused(pads, storage, site, coordinator):
    [receipt] = services.stock_receive(item=pads, place=storage, quantity=5, by=coordinator)
    services.stock_distribute(item=pads, source=storage, target=site, quantity=4, by=coordinator)
    with pytest.raises(ValidationError):
        services.stock_batch_reverse(batch=receipt.batch, reason="誤入力", by=coordinator)


def test_a_double_submission_moves_once(pads, storage, site, coordinator, counselor, kit):
    key = uuid.uuid4()
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)
    for _ in range(2):
        services.stock_distribute(
            item=pads, source=storage, target=site, quantity=3, by=coordinator, batch=key
        )
    assert qty(pads, storage) == 7
    assert StockMovement.objects.filter(batch=key).count() == 1
    services.stock_receive(item=kit, place=storage, quantity=5, by=coordinator)
    consultation = ConsultationFactory(client=ClientFactory(counselors=[counselor]))
    hand = uuid.uuid4()
    for _ in range(2):
        services.stock_hand_out(
            consultation=consultation,
            item=kit,
            source=storage,
            quantity=1,
            by=counselor,
            batch=hand,
        )
    assert Handout.objects.count() == 1 and StockMovement.objects.filter(batch=hand).count() == 3


def test_the_database_refuses_edits_negative_balances_and_zero_quantities(
    pads, storage, coordinator
):
    [m] = services.stock_receive(item=pads, place=storage, quantity=2, by=coordinator)
    with pytest.raises(ProgrammingError), transaction.atomic():
        StockMovement.objects.filter(pk=m.pk).update(quantity=3)
    with pytest.raises(ProgrammingError), transaction.atomic():
        StockMovement.objects.filter(pk=m.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(item=pads, place=storage).update(quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            kind="receipt",
            item=pads,
            quantity=0,
            target=storage,
            occurred_at=m.occurred_at,
            by=coordinator,
        )


def test_stock_verify_finds_a_corrupted_balance(pads, storage, coordinator):
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)
    call_command("stock_verify")
    StockBalance.objects.filter(item=pads, place=storage).update(quantity=9)
    [difference] = stock_verify()
    assert (difference.balance, difference.ledger) == (9, 10)
    with pytest.raises(CommandError):
        call_command("stock_verify")


def test_stock_verify_runs_a_fixed_number_of_queries(
    pads, storage, site, coordinator, django_assert_max_num_queries
):
    for _ in range(30):
        services.stock_receive(item=pads, place=storage, quantity=2, by=coordinator)
        services.stock_distribute(
            item=pads, source=storage, target=site, quantity=1, by=coordinator
        )
    # in-sums, out-sums, balances
    with django_assert_max_num_queries(3):
        assert stock_verify() == []


def test_a_movement_costs_the_same_whatever_the_ledger_holds(
    pads, storage, site, coordinator, django_assert_num_queries
):
    services.stock_receive(item=pads, place=storage, quantity=1000, by=coordinator)

    def one() -> None:
        services.stock_distribute(
            item=pads, source=storage, target=site, quantity=1, by=coordinator
        )

    one()
    with CaptureQueriesContext(connection) as few:
        one()
    for _ in range(100):
        one()
    with CaptureQueriesContext(connection) as many:
        one()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert not any("SUM(" in q["sql"].upper() for q in many.captured_queries)


def test_low_stock_alerts_once_per_fall(
    pads, storage, site, coordinator, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.models import Notification
    from supplies import tasks

    monkeypatch.setattr(tasks.low_stock_alert, "delay", tasks.low_stock_alert)
    services.stock_minimum_set(item=pads, place=storage, quantity=5, by=coordinator)
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)

    def give(n):
        with django_capture_on_commit_callbacks(execute=True):
            services.stock_distribute(
                item=pads, source=storage, target=site, quantity=n, by=coordinator
            )

    give(6)  # 4 < 5: alert
    give(1)  # still low: nothing new
    assert Notification.objects.filter(user=coordinator).count() == 1
    assert not Notification.objects.filter(user=supervisor).exists()
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)  # recovers
    give(10)  # falls again
    assert Notification.objects.filter(user=coordinator).count() == 2


def test_place_site_types(db, coordinator):
    place = services.place_create(by=coordinator, name="こども食堂A", site_type="kodomo_shokudo")
    assert place.site_type == SiteType.KODOMO_SHOKUDO
    with pytest.raises(ValidationError):
        services.place_create(by=coordinator, name="", site_type="nowhere")
    assert PlaceFactory().pk
