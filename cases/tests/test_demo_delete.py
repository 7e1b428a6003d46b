"""Deleting demo rows copes with a query that can match nothing: `seed_demo --reset` on a
database loaded before an app's demo rows existed."""

import pytest

from cases.models import Client
from core.demo import delete_rows

pytestmark = pytest.mark.django_db


def test_a_query_that_can_match_nothing_deletes_zero_rows():
    assert delete_rows(Client.objects.filter(pk__in=[]), Client.objects.filter(pk=-1)) == 0
