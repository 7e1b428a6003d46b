"""The test app's demo seeder: a few visits to demo clients, to prove the extension point.

It comes after "cases" and refers to its clients and cases, so `seed_demo --reset` only works
if this seeder deletes its own rows before the clients go.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

from django.db.models import Model

from cases.demo import SeededCases, demo_clients
from core.demo import delete_rows
from core.registry import DemoContext

from .models import Visit

VISITS = 5
PLACES = ("区役所", "女性相談支援センター", "フードパントリー")


def seed(ctx: DemoContext) -> Mapping[str, int]:
    seeded: SeededCases = ctx.shared["cases"]
    users: Mapping[str, int] = ctx.shared["users"]
    rng = random.Random(f"{ctx.seed}:testapp")
    visits = []
    for index in sorted(rng.sample(range(len(seeded.plan.cases)), VISITS)):
        case = seeded.plan.cases[index]
        visits.append(
            Visit(
                client_id=seeded.client_ids[case.client],
                case_id=seeded.case_ids[index],
                at=case.opened_at + datetime.timedelta(days=rng.randint(1, 14)),
                place=rng.choice(PLACES),
                recorded_by_id=users[case.counselors[0]],
            )
        )
    # A handful of rows: the ORM is fast enough (the big apps COPY).
    return {"visits": len(Visit.objects.bulk_create(visits))}


def delete(ctx: DemoContext) -> int:
    return delete_rows(Visit.objects.filter(client__in=demo_clients()))


def tables() -> tuple[type[Model], ...]:
    return (Visit,)
