"""Any sequence of valid and invalid movements leaves every balance equal to the ledger's sum
and never negative."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplies import services
from supplies.models import StockBalance
from supplies.services.verify import ledger_sums, stock_verify

from .factories import PlaceFactory, StorageFactory

pytestmark = pytest.mark.django_db

# (kind, place index, other place index, quantity or signed change)
step = st.tuples(
    st.sampled_from(["receive", "transfer", "distribute", "adjust", "count", "reverse"]),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(-30, 60),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, max_size=25))
def test_balances_equal_the_ledger_and_never_go_negative(steps, pads, coordinator):
    places = [StorageFactory(), StorageFactory(), PlaceFactory()]
    batches = []
    for kind, a, b, n in steps:
        source, target = places[a], places[b]
        try:
            if kind == "receive":
                moved = services.stock_receive(item=pads, place=source, quantity=n, by=coordinator)
            elif kind == "transfer":
                moved = services.stock_transfer(
                    item=pads, source=source, target=target, quantity=n, by=coordinator
                )
            elif kind == "distribute":
                moved = services.stock_distribute(
                    item=pads, source=source, target=target, quantity=n, by=coordinator
                )
            elif kind == "adjust":
                moved = services.stock_adjust(
                    item=pads, place=source, change=n, reason="調整", by=coordinator
                )
            elif kind == "count":
                services.stock_count_record(item=pads, place=source, counted=n, by=coordinator)
                moved = []
            else:
                if not batches:
                    continue
                moved = services.stock_batch_reverse(
                    batch=batches[n % len(batches)], reason="取消", by=coordinator
                )
            batches += [m.batch for m in moved[:1]]
        except ValidationError:
            pass
        assert not StockBalance.objects.filter(quantity__lt=0).exists()
    assert stock_verify() == []
    assert all(v >= 0 for v in ledger_sums().values())
