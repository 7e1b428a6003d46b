"""Distributions from one place at the same moment, on real PostgreSQL connections: never
an oversell, and a double submission books once."""

from __future__ import annotations

import uuid

import pytest

from cases.tests.races import at_once
from supplies import services
from supplies.models import StockBalance, StockMovement
from supplies.services.verify import stock_verify

from .factories import PlaceFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_distributions_never_oversell(pads, storage, coordinator):
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)
    sites = [PlaceFactory() for _ in range(6)]

    results = at_once(
        *[
            lambda s=s: services.stock_distribute(
                item=pads, source=storage, target=s, quantity=3, by=coordinator
            )
            for s in sites
        ]
    )

    assert results == ["done"] * 3 + ["refused"] * 3
    assert StockBalance.objects.get(item=pads, place=storage).quantity == 1
    assert StockMovement.objects.filter(kind="distribution").count() == 3
    assert stock_verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_double_submission_at_the_same_moment_books_once(pads, storage, site, coordinator):
    services.stock_receive(item=pads, place=storage, quantity=10, by=coordinator)
    key = uuid.uuid4()

    results = at_once(
        *[
            lambda: services.stock_distribute(
                item=pads, source=storage, target=site, quantity=4, by=coordinator, batch=key
            )
            for _ in range(2)
        ]
    )

    assert results == ["done", "done"]
    assert StockMovement.objects.filter(batch=key).count() == 1
    assert StockBalance.objects.get(item=pads, place=storage).quantity == 6
