"""`manage.py seed_demo [--seed N] [--scale N] [--reset]`: a fictitious FY2022 to click through.

Creates one login per role (the password is printed once, when the user is created) and a
year of clients, consultations, cases and follow-ups at the FY2022 report's volumes times
--scale. Running it again does nothing while the demo data is there; --reset replaces it.
It refuses to run on a database that holds clients it did not create.
"""

from __future__ import annotations

import datetime
import secrets
import time

import pgtrigger
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from cases import demo
from cases.models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    ClientMerge,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
)
from followups.models import FollowUp
from openings.models import Channel, Opening

MAX_SCALE = 1000


class Command(BaseCommand):
    help = "Load a fictitious FY2022 of the programme (demo logins, clients, consultations)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="Random seed (default 2022).")
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply the FY2022 volumes (default 1)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then load it again."
        )

    def handle(self, *args, seed: int, scale: int, reset: bool, **options) -> None:
        if not 1 <= scale <= MAX_SCALE:
            raise CommandError(f"--scale must be between 1 and {MAX_SCALE}.")
        began = time.monotonic()
        demo_users = User.objects.filter(username__in=demo.DEMO_USERNAMES)
        foreign = Client.objects.filter(~Q(created_by__in=demo_users) | Q(created_by__isnull=True))
        if foreign.exists():
            raise CommandError(
                "This database holds clients that are not demo data; seed_demo only runs on an "
                "empty or demo database."
            )
        present = Client.objects.filter(created_by__in=demo_users).count()
        if present and not reset:
            self.stdout.write(
                f"Demo data is already loaded ({present:,} clients). "
                "Nothing to do; use --reset to load it again."
            )
            return

        with transaction.atomic():
            if present:
                deleted = _delete_demo_data()
                self.stdout.write(f"Deleted the demo data ({deleted:,} rows).")
            users, passwords = _ensure_users()
            openings = _ensure_openings()
            plan = demo.demo_plan(
                seed=seed,
                scale=scale,
                line_openings=[(o.starts_at, o.ends_at) for o in openings[Channel.LINE]],
                legal_openings=[(o.starts_at, o.ends_at) for o in openings[Channel.LEGAL]],
                health_openings=[(o.starts_at, o.ends_at) for o in openings[Channel.HEALTH]],
                now=timezone.now(),
            )
            planned = time.monotonic()
            with pgtrigger.ignore(*demo.seed_trigger_uris()):
                counts = demo.demo_write(
                    plan,
                    users=users,
                    openings={ch: [o.pk for o in rows] for ch, rows in openings.items()},
                )
        with connection.cursor() as cursor:
            # Fresh statistics for every table written, so the first pages use the indexes at
            # once (without them, a counselor's client search took four times as long).
            for table in demo.seeded_tables():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        elapsed = time.monotonic() - began

        line = Consultation.Kind.LINE
        by_kind = {
            k: sum(1 for c in plan.consultations if c.kind == k) for k in Consultation.Kind.values
        }
        self.stdout.write(self.style.SUCCESS(f"Demo FY2022 loaded (seed {seed}, scale {scale})."))
        self.stdout.write(
            f"  openings: LINE {len(openings[Channel.LINE])}, legal "
            f"{len(openings[Channel.LEGAL])}, health {len(openings[Channel.HEALTH])}\n"
            f"  clients (LINE friends): {counts['clients']:,}\n"
            f"  consultations: {counts['consultations']:,} (LINE {by_kind[line]:,}, legal "
            f"{by_kind['legal']:,}, health {by_kind['health']:,}, phone {by_kind['phone']:,}, "
            f"visit {by_kind['visit']:,}, outreach {by_kind['outreach']:,})\n"
            f"  risk flags: {counts['risk_flags']:,}\n"
            f"  cases: {counts['cases']:,} (notes {counts['case_notes']:,}, goals "
            f"{counts['support_goals']:,}, actions {counts['support_actions']:,}, closing "
            f"requests {counts['closing_requests']:,})\n"
            f"  follow-ups: {counts['followups']:,}\n"
            f"  time: {elapsed:.1f} s (planning {planned - began:.1f} s, writing "
            f"{elapsed - (planned - began):.1f} s)"
        )
        if passwords:
            # Printed here once and nowhere else; they are not stored in clear anywhere.
            self.stdout.write("Demo logins created (write the passwords down now):")
            for username, password in passwords:
                self.stdout.write(f"  {username:<14} {password}")
        else:
            self.stdout.write("Demo logins already existed; their passwords are unchanged.")


def _ensure_users() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """The demo staff, one per role plus a small counselor team. No superuser."""
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    existing = {u.username: u for u in User.objects.filter(username__in=demo.DEMO_USERNAMES)}
    passwords = []
    for username, display_name, roles in demo.DEMO_USERS:
        user = existing.get(username)
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User(
                username=username,
                display_name=display_name,
                email=f"{username}@example.org",
            )
            user.set_password(password)
            user.save()
            user.groups.set([groups[r] for r in roles])
            existing[username] = user
            passwords.append((username, password))
    return {name: u.pk for name, u in existing.items()}, passwords


def _ensure_openings() -> dict[str, list[Opening]]:
    """The FY2022 openings, made by the openings app's own (idempotent) programme defaults."""
    from openings.services import openings_seed_programme_defaults

    openings_seed_programme_defaults(fiscal_year_start=datetime.date(2022, 4, 1))
    rows = Opening.objects.filter(starts_at__gte=demo.FY_START, starts_at__lt=demo.FY_END).order_by(
        "starts_at"
    )
    by_channel: dict[str, list[Opening]] = {ch: [] for ch in Channel.values}
    for row in rows:
        by_channel[row.channel].append(row)
    if not by_channel[Channel.LINE]:
        raise CommandError("No FY2022 LINE openings exist; the openings app did not create them.")
    return by_channel


def _delete_demo_data() -> int:
    """Delete every row hanging off demo clients, in one statement per table.

    The ORM's cascade collector would load hundreds of thousands of rows at large scales, and
    the append-only triggers of notes and case events are lifted for this transaction only.
    Anything else that points at demo clients makes the deferred foreign keys fail at commit.
    """
    demo_users = list(
        User.objects.filter(username__in=demo.DEMO_USERNAMES).values_list("pk", flat=True)
    )
    clients = Client.objects.filter(created_by__in=demo_users).values("pk")
    cases = Case.objects.filter(client__in=clients).values("pk")
    consultations = Consultation.objects.filter(client__in=clients).values("pk")
    deleted = 0
    with pgtrigger.ignore(*demo.seed_trigger_uris()):
        history = [
            (Client, clients),
            (Consultation, consultations),
            (Case, cases),
            (RiskFlag, RiskFlag.objects.filter(client__in=clients).values("pk")),
            (FollowUp, FollowUp.objects.filter(client__in=clients).values("pk")),
        ]
        for model, ids in history:
            events = model._meta.get_field("events").related_model
            deleted += events.objects.filter(pgh_obj__in=ids)._raw_delete(connection.alias)
        steps = [
            FollowUp.objects.filter(client__in=clients),
            CaseEvent.objects.filter(case__in=cases),
            CaseNote.objects.filter(case__in=cases),
            CaseClosureRequest.objects.filter(case__in=cases),
            SupportAction.objects.filter(case__in=cases),
            SupportGoal.objects.filter(case__in=cases),
            Case.counselors.through.objects.filter(case__in=cases),
            Consultation.counselors.through.objects.filter(consultation__in=consultations),
            Consultation.objects.filter(client__in=clients),
            Case.objects.filter(client__in=clients),
            RiskFlag.objects.filter(client__in=clients),
            Client.counselors.through.objects.filter(client__in=clients),
            ClientMerge.objects.filter(Q(kept__in=clients) | Q(merged__in=clients)),
            Client.objects.filter(created_by__in=demo_users),
        ]
        for queryset in steps:
            deleted += queryset._raw_delete(connection.alias)
        try:
            with connection.cursor() as cursor:
                # Check now for a clear message, then defer again for the rows to come.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        except IntegrityError as exc:
            raise CommandError(
                f"Other records still refer to the demo data; delete them first ({exc})."
            ) from None
    return deleted
