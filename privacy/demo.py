"""Demo rows of her rights: one erasure request awaiting a supervisor and one consent
withdrawal, so the queue and the client page show what they look like; and, for `--reset`,
the removal of every privacy row of the demo clients (those written by clicking through the
demo too), before the cases seeder removes the clients they point to."""

from __future__ import annotations

from collections.abc import Mapping

import pgtrigger
from django.db.models import Model

from accounts.models import User
from cases.demo import SeededCases, demo_clients
from cases.models import Client
from core.demo import delete_rows, trigger_uris

from .models import AnonymisationRecord, ConsentWithdrawal, ErasureRequest
from .services import consent_withdraw, erasure_request_create

MODELS = (AnonymisationRecord, ErasureRequest, ConsentWithdrawal)


def _two_women(seeded: SeededCases) -> list[Client]:
    # Active women with a counselor, the same ones for the same seed.
    return list(
        Client.objects.filter(
            pk__in=seeded.client_ids, status=Client.Status.ACTIVE, counselors__isnull=False
        )
        .distinct()
        .order_by("pk")[10:12]
    )


def seed(ctx) -> Mapping[str, int]:
    seeded: SeededCases = ctx.shared["cases"]
    # Recorded by her counselor, so the demo supervisor can decide the erasure (a request is
    # never decided by whoever recorded it). The withdrawal: by the supervisor.
    supervisor = User.objects.get(pk=ctx.shared["users"]["supervisor1"])
    written = {"erasure requests": 0, "consent withdrawals": 0}
    # Through the services, as a person would record them; without history rows, as for every
    # demo row (the lowered consent would otherwise be the demo's only client history).
    with pgtrigger.ignore(*trigger_uris(Client, *MODELS)):
        _seed(seeded, supervisor, written)
    return written


def _seed(seeded: SeededCases, supervisor: User, written: dict[str, int]) -> None:
    women = _two_women(seeded)
    if len(women) < 2:
        return
    asking, withdrawing = women
    erasure_request_create(
        client=asking,
        received_via="phone",
        reason="本人から電話で削除の希望",
        by=asking.counselors.order_by("pk").first(),
    )
    written["erasure requests"] = 1
    consent_withdraw(client=withdrawing, scope="sharing", method="line", by=supervisor)
    written["consent withdrawals"] = 1


def delete(ctx) -> int:
    """Every privacy row of the demo clients (run before the clients go)."""
    clients = demo_clients()
    with pgtrigger.ignore(*trigger_uris(*MODELS)):
        return delete_rows(*(model.objects.filter(client__in=clients) for model in MODELS))


def tables() -> tuple[type[Model], ...]:
    return MODELS
