import datetime
import time

import pytest
from django.utils import timezone

from openings.models import Channel, Opening, OpeningRule
from openings.selectors import day_bounds
from openings.tasks import materialize_ahead


def _wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_materialises_the_next_90_days(celery_worker):
    # A rule written straight to the table, as if materialisation had never run for it.
    OpeningRule.objects.create(
        channel=Channel.LINE,
        weekday=OpeningRule.Weekday.WEDNESDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=datetime.date(2022, 4, 1),
    )
    today = timezone.localdate()
    lower, upper = day_bounds(today, today + datetime.timedelta(days=90))
    ahead = Opening.objects.filter(channel=Channel.LINE, starts_at__gte=lower, starts_at__lt=upper)
    # Today and the next 90 days are 91 days, 13 whole weeks: exactly 13 Wednesdays, whatever
    # today is (a Wednesday today means the 90th day is a Tuesday).
    expected = 13

    materialize_ahead.delay()

    assert _wait_for(lambda: ahead.count() == expected)
    assert not Opening.objects.filter(starts_at__gte=upper).exists()
    # Running it again (as the next day's tick would) creates nothing new.
    assert materialize_ahead() == {Channel.LINE: 0, Channel.LEGAL: 0, Channel.HEALTH: 0}
    assert ahead.count() == expected
