"""Demo follow-ups: what the counselors promised the demo clients, in every state.

Registered as the "followups" demo seeder (`followups/extensions.py`), after "cases": it plans
from the cases seeder's plan (`ctx.shared["cases"]`) with a random stream of its own, so the
same seed gives the same follow-ups, and writes them with COPY.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass

import pgtrigger
from django.db.models import Model

from cases.demo import DemoPlan, PCase, SeededCases, demo_clients
from cases.models import Case
from core.demo import copy_rows, delete_rows, history_of, start_copy, trigger_uris
from core.registry import DemoContext
from core.time import TOKYO

from .models import FollowUp

UTC = datetime.UTC

FOLLOWUP_WHATS = (
    "LINEで近況を確認する",
    "同行日の前日に連絡する",
    "申請結果を確認する",
    "受診後の様子を聞く",
    "次回面談の日程を確認する",
    "生理用品の受け取りを確認する",
)


@dataclass(slots=True)
class PFollowUp:
    """A planned follow-up; `client`, `case` and `consultation` index the cases plan."""

    client: int
    case: int | None
    consultation: int | None
    what: str
    due_at: datetime.datetime
    assignee: str
    state: str
    notified_at: datetime.datetime | None
    done_at: datetime.datetime | None
    created_at: datetime.datetime


def followup_plan(*, seed: int, cases: DemoPlan, now: datetime.datetime) -> list[PFollowUp]:
    """The follow-ups of a cases plan. Pure: depends only on its arguments."""
    rng = random.Random(f"{seed}:followups")
    # Day-granular "now": reruns on the same day plan the same follow-ups.
    today = now.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    planned: list[PFollowUp] = []

    for case_index, case in enumerate(cases.cases):
        _plan_case_followups(planned, rng, case_index, case, today)

    # Follow-ups promised in consultations that were not part of a case: long done.
    for index, row in enumerate(cases.consultations):
        if row.follow_up_needed and row.case is None:
            due = row.ended_at + datetime.timedelta(days=rng.randint(2, 7))
            done = rng.random() < 0.85
            planned.append(
                PFollowUp(
                    client=row.client,
                    case=None,
                    consultation=index,
                    what=rng.choice(FOLLOWUP_WHATS),
                    due_at=due,
                    assignee=row.counselors[0],
                    state=FollowUp.State.DONE if done else FollowUp.State.CANCELLED,
                    notified_at=due - datetime.timedelta(hours=1) if done else None,
                    done_at=due - datetime.timedelta(minutes=rng.randint(0, 600)) if done else None,
                    created_at=row.ended_at,
                )
            )
    return planned


def _plan_case_followups(
    planned: list[PFollowUp],
    rng: random.Random,
    case_index: int,
    case: PCase,
    today: datetime.datetime,
) -> None:
    """Done ones in the past; an open case also has one ahead (or, now and then, one that
    slipped past its due time and is overdue now). Each call draws `what` before the times
    that follow it, so a seed always gives the same plan."""
    span_days = max((case.ends_at - case.opened_at).days, 1)

    def within(lo: float, hi: float) -> datetime.datetime:
        return case.opened_at + datetime.timedelta(
            days=rng.uniform(lo, hi) * span_days, minutes=rng.randint(0, 600)
        )

    def followup(
        *,
        what: str,
        due_at: datetime.datetime,
        state: str,
        notified_at: datetime.datetime | None,
        done_at: datetime.datetime | None,
        created_at: datetime.datetime,
    ) -> None:
        planned.append(
            PFollowUp(
                client=case.client,
                case=case_index,
                consultation=None,
                what=what,
                due_at=due_at,
                assignee=case.counselors[0],
                state=state,
                notified_at=notified_at,
                done_at=done_at,
                created_at=created_at,
            )
        )

    for _ in range(rng.randint(1, 3)):
        due = within(0.1, 0.95)
        followup(
            what=rng.choice(FOLLOWUP_WHATS),
            due_at=due,
            state=FollowUp.State.DONE,
            notified_at=due - datetime.timedelta(hours=1),
            done_at=due + datetime.timedelta(minutes=rng.randint(0, 300)),
            created_at=due - datetime.timedelta(days=rng.randint(1, 7)),
        )
    if case.status == Case.Status.CLOSED:
        return
    hour = datetime.timedelta(hours=rng.randint(10, 18))
    if rng.random() < 0.15:
        due = (today - datetime.timedelta(days=rng.randint(1, 10)) + hour).astimezone(UTC)
        notified = rng.random() < 0.6
        followup(
            what=rng.choice(FOLLOWUP_WHATS),
            due_at=due,
            state=FollowUp.State.NOTIFIED if notified else FollowUp.State.PENDING,
            notified_at=due - datetime.timedelta(hours=1) if notified else None,
            done_at=None,
            created_at=due - datetime.timedelta(days=7),
        )
    else:
        due = (today + datetime.timedelta(days=rng.randint(1, 21)) + hour).astimezone(UTC)
        followup(
            what=rng.choice(FOLLOWUP_WHATS),
            due_at=due,
            state=FollowUp.State.PENDING,
            notified_at=None,
            done_at=None,
            created_at=(today - datetime.timedelta(days=rng.randint(0, 5))).astimezone(UTC),
        )


def digest(planned: list[PFollowUp]) -> str:
    """A fingerprint of a follow-up plan: equal plans, equal digests (used by the tests)."""
    h = hashlib.sha256()
    for f in planned:
        h.update(f"{f.client}|{f.case}|{f.state}|{f.what}|{f.due_at.isoformat()}\n".encode())
    return h.hexdigest()


def seed(ctx: DemoContext) -> Mapping[str, int]:
    seeded: SeededCases = ctx.shared["cases"]
    users: Mapping[str, int] = ctx.shared["users"]
    planned = followup_plan(seed=ctx.seed, cases=seeded.plan, now=ctx.now)
    cancelled = FollowUp.State.CANCELLED
    with pgtrigger.ignore(*trigger_uris(FollowUp)):
        start_copy()
        written = copy_rows(
            FollowUp,
            (
                FollowUp(
                    client_id=seeded.client_ids[f.client],
                    case_id=None if f.case is None else seeded.case_ids[f.case],
                    consultation_id=(
                        None if f.consultation is None else seeded.consultation_ids[f.consultation]
                    ),
                    what=f.what,
                    due_at=f.due_at,
                    assignee_id=users[f.assignee],
                    state=f.state,
                    notified_at=f.notified_at,
                    done_at=f.done_at,
                    done_by_id=users[f.assignee] if f.done_at else None,
                    cancelled_at=f.due_at if f.state == cancelled else None,
                    cancelled_by_id=users[f.assignee] if f.state == cancelled else None,
                    cancel_reason="本人から不要との連絡" if f.state == cancelled else "",
                    created_by_id=users[f.assignee],
                    created_at=f.created_at,
                )
                for f in planned
            ),
            with_pk=False,
        )
    return {"follow-ups": written}


def delete(ctx: DemoContext) -> int:
    """The demo clients' follow-ups and their history (run before the clients go)."""
    rows = FollowUp.objects.filter(client__in=demo_clients())
    with pgtrigger.ignore(*trigger_uris(FollowUp)):
        return delete_rows(history_of(FollowUp, rows), rows)


def tables() -> tuple[type[Model], ...]:
    return (FollowUp,)
