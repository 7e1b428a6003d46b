"""Reads for her APPI rights, scoped to the user: the disclosure, the erasure queue, who is due
for anonymisation, and whether she may be shared with a partner."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Client
from cases.privacy import record_row, section
from cases.selectors.access import client_get_for
from core import authz, registry

from .models import AnonymisationRecord, ConsentWithdrawal, ErasureRequest


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    """RETENTION_YEARS before `now` (29 February falls back to the 28th)."""
    years = settings.RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def last_activity_expression() -> Any:
    """The latest of every holder's `last_activity`, on a Client queryset (NULL: none)."""
    parts = [h.last_activity() for h in registry.client_data if h.last_activity is not None]
    if len(parts) == 1:
        return parts[0]
    return Greatest(*parts, output_field=DateTimeField())


def retention_due(*, now: datetime.datetime) -> QuerySet[Client]:
    """Clients with no activity for RETENTION_YEARS and not anonymised yet, annotated with
    `last_activity`; oldest first. A record merged into another goes with the one kept."""
    anonymised = AnonymisationRecord.objects.filter(client_id=OuterRef("pk"))
    return (
        Client.objects.exclude(status=Client.Status.MERGED)
        .filter(~Exists(anonymised))
        .annotate(last_activity=last_activity_expression())
        .filter(last_activity__lt=retention_cutoff(now))
        .order_by("last_activity", "pk")
    )


def is_anonymised(client: Client) -> bool:
    return AnonymisationRecord.objects.filter(client_id=client.pk).exists()


def client_may_be_shared(client: Client) -> bool:
    """Whether her information may go to a partner organisation (a referral): she consented to
    sharing, has not withdrawn it since, and her record is neither merged nor anonymised.
    One query. The referrals app asks `authz.can(user, "privacy.may_share_client", client)`."""
    if client.consent_scope != Client.ConsentScope.SHARE or client.status == Client.Status.MERGED:
        return False
    # A withdrawal lowers her consent on the record in the same transaction; one recorded on
    # or after the day of her current consent still blocks, should the two ever disagree.
    withdrawn = ConsentWithdrawal.objects.filter(client_id=OuterRef("pk"))
    if client.consent_given_on is not None:
        withdrawn = withdrawn.filter(recorded_at__date__gte=client.consent_given_on)
    anonymised = AnonymisationRecord.objects.filter(client_id=OuterRef("pk"))
    return (
        Client.objects.filter(pk=client.pk, consent_scope=Client.ConsentScope.SHARE)
        .filter(~Exists(withdrawn), ~Exists(anonymised))
        .exists()
    )


# --- pages ----------------------------------------------------------------------------------


def client_for_disclosure(user: User, pk: object) -> Client:
    """A client a supervisor may disclose (404 otherwise)."""
    client = client_get_for(user, pk)
    authz.require(user, "privacy.disclose_client", client)
    return client


def client_disclosure(*, user: User, client: Client) -> list[dict[str, Any]]:
    """Everything held about her, from every registered holder:
    [{"key", "label", "sections": [{"label", "rows": [{label: value}]}]}]."""
    authz.require(user, "privacy.disclose_client", client)
    return [
        {"key": h.key, "label": str(h.label), "sections": list(h.disclose(client))}
        for h in registry.client_data
    ] + [{"key": "privacy", "label": _("Privacy requests"), "sections": _own_sections(client)}]


def _own_sections(client: Client) -> list[dict[str, Any]]:
    return [
        section(
            _("Consent withdrawals"),
            [
                record_row(
                    w, ("scope", "method", "note", "scope_before", "recorded_by", "recorded_at")
                )
                for w in ConsentWithdrawal.objects.filter(client=client)
                .select_related("recorded_by")
                .order_by("recorded_at", "pk")
            ],
        ),
        section(
            _("Erasure requests"),
            [
                record_row(
                    r,
                    (
                        "received_via",
                        "reason",
                        "requested_by",
                        "requested_at",
                        "state",
                        "decided_by",
                        "decided_at",
                        "decision_note",
                    ),
                )
                for r in ErasureRequest.objects.filter(client=client)
                .select_related("requested_by", "decided_by")
                .order_by("requested_at", "pk")
            ],
        ),
        section(
            _("Anonymisation"),
            [
                record_row(a, ("reason", "at", "approved_by", "last_activity_at", "scrubbed"))
                for a in AnonymisationRecord.objects.filter(client=client).select_related(
                    "approved_by"
                )
            ],
        ),
    ]


def erasure_queue_for(user: User) -> QuerySet[ErasureRequest]:
    """Pending erasure requests, oldest first: supervisors only (404 otherwise)."""
    authz.require(user, "privacy.decide_erasure")
    return (
        ErasureRequest.objects.filter(state=ErasureRequest.State.PENDING)
        .select_related("client", "requested_by")
        .order_by("requested_at", "pk")
    )


def erasure_request_get_for(user: User, pk: object) -> ErasureRequest:
    authz.require(user, "privacy.decide_erasure")
    return authz.get_or_deny(
        ErasureRequest.objects.select_related("client", "requested_by", "decided_by"), pk
    )


def client_privacy_summary(client: Client) -> dict[str, Any]:
    """For her page: her latest consent withdrawal (when, what, how, by whom), the pk of a
    pending erasure request and the time of her anonymisation. One query."""
    latest = ConsentWithdrawal.objects.filter(client_id=OuterRef("pk")).order_by(
        "-recorded_at", "-pk"
    )

    def of_latest(field: str) -> Subquery:
        return Subquery(latest.values(field)[:1])

    return (
        Client.objects.filter(pk=client.pk)
        .annotate(
            withdrawn_at=of_latest("recorded_at"),
            withdrawn_scope=of_latest("scope"),
            withdrawn_method=of_latest("method"),
            withdrawn_by=of_latest("recorded_by__display_name"),
            withdrawn_by_username=of_latest("recorded_by__username"),
            pending_erasure=Subquery(
                ErasureRequest.objects.filter(
                    client_id=OuterRef("pk"), state=ErasureRequest.State.PENDING
                ).values("pk")[:1]
            ),
            anonymised_at=Subquery(
                AnonymisationRecord.objects.filter(client_id=OuterRef("pk")).values("at")[:1]
            ),
        )
        .values(
            "withdrawn_at",
            "withdrawn_scope",
            "withdrawn_method",
            "withdrawn_by",
            "withdrawn_by_username",
            "pending_erasure",
            "anonymised_at",
        )
        .get()
    )
