"""Writes on clients (相談者): intake, profile, counselor assignment, risk flags, merging."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import users_with_roles
from core import authz, registry
from core.bounds import REASON_MAX, check_bounds
from core.choices import Ward
from core.roles import Role

from ..models import (
    Case,
    Client,
    ClientAssignmentChange,
    ClientMerge,
    Consultation,
    RiskFlag,
    nickname_search_columns,
)
from ..selectors.access import clients_visible_to
from . import cases as case_services

# Fields a counselor may set on a client's profile (client_create / client_update).
PROFILE_FIELDS = (
    "nickname",
    "line_user_id",
    "phone",
    "age_band",
    "ward",
    "employment",
    "household",
    "heard_from",
    "first_contact_at",
    "consent_scope",
    "consent_given_on",
    "consent_method",
)


# What may stand between the digits of a phone number as people write it (after NFKC, which
# makes full-width digits and hyphens ASCII): hyphens and dashes, the long-vowel mark often
# typed for one, spaces, brackets. A plus only leads (+81 ...).
PHONE_SEPARATORS = frozenset("-‐‑‒–—―−ー ()")
PHONE_MAX_DIGITS = Client._meta.get_field("phone").max_length


def phone_normalise(raw: str | None) -> str:
    """Digits only: full-width digits become ASCII, hyphens, spaces and brackets go."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def phone_clean(raw: str | None) -> str:
    """The stored form of a phone number as typed, or a ValidationError keyed to "phone":
    text that is not a phone number (letters, other characters) is refused, not stripped to
    the digits it happens to contain, and so is a number longer than the column."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    body = text.removeprefix("+")
    if any(not (ch.isascii() and ch.isdigit()) and ch not in PHONE_SEPARATORS for ch in body):
        raise ValidationError(
            {"phone": _("Enter a phone number: digits, with hyphens or spaces if you like.")},
            code="invalid_phone",
        )
    digits = phone_normalise(text)
    if not digits:
        raise ValidationError(
            {"phone": _("Enter the digits of the phone number.")}, code="invalid_phone"
        )
    if len(digits) > PHONE_MAX_DIGITS:
        raise ValidationError(
            {
                "phone": _("A phone number has at most %(max)d digits (this one has %(n)d).")
                % {"max": PHONE_MAX_DIGITS, "n": len(digits)}
            },
            code="phone_too_long",
        )
    return digits


def _check_profile(values: dict) -> None:
    """Lengths and dates of profile fields the form may not have checked (the admin, imports)."""
    texts = {
        name: (values[name], Client._meta.get_field(name).max_length)
        for name in ("nickname", "line_user_id")
        if values.get(name) is not None
    }
    check_bounds(
        datetimes={"first_contact_at": values.get("first_contact_at")},
        dates={"consent_given_on": values.get("consent_given_on")},
        texts=texts,
    )


def _counselor_pks(client: Client) -> list[int]:
    return sorted(client.counselors.values_list("pk", flat=True))


def _record_assignment(*, client: Client, kind: str, by: User, before: list[int]) -> None:
    """Write the audit row of a change of her counselors (nothing when nothing changed)."""
    after = _counselor_pks(client)
    if after != before:
        ClientAssignmentChange.objects.create(
            client=client, kind=kind, changed_by=by, before=before, after=after
        )


def client_counselors_add(*, client: Client, user: User, kind: str, by: User) -> None:
    """Add one counselor to her team and record it. The caller holds the lock on `client`."""
    before = _counselor_pks(client)
    client.counselors.add(user)
    _record_assignment(client=client, kind=kind, by=by, before=before)


def counselors_only(users: Iterable[User]) -> list[User]:
    """The given users, after checking that every one is an active counselor."""
    users = list(users)
    ids = {u.pk for u in users}
    valid = set(users_with_roles(Role.COUNSELOR).filter(pk__in=ids).values_list("pk", flat=True))
    if valid != ids:
        raise ValidationError(
            {"counselors": _("Only active counselors can be assigned.")}, code="not_counselor"
        )
    return users


def _line_user_id_taken(*, line_user_id: str, by: User, exclude_pk: int | None = None):
    """A ValidationError naming the existing client, but only if `by` may see her."""
    existing = Client.objects.filter(line_user_id=line_user_id)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    other = existing.first()
    if other is None:
        return None
    if clients_visible_to(by).filter(pk=other.pk).exists():
        message = _(
            "This LINE user ID is already registered for %(nickname)s (No. %(id)s). "
            "Record the consultation on that client instead."
        ) % {"nickname": other.nickname, "id": other.pk}
    else:
        message = _(
            "This LINE user ID is already registered for another client. "
            "Ask a supervisor to check the record."
        )
    return ValidationError({"line_user_id": message}, code="duplicate_line_user_id")


def _validate_consent(values: dict) -> None:
    if values.get("consent_scope", Client.ConsentScope.NONE) == Client.ConsentScope.NONE:
        return
    errors = {}
    if not values.get("consent_given_on"):
        errors["consent_given_on"] = _("Enter the date consent was given.")
    if not values.get("consent_method"):
        errors["consent_method"] = _("Choose how consent was given.")
    if errors:
        raise ValidationError(errors, code="consent_incomplete")


def _save_client(client: Client, *, by: User) -> Client:
    """Save, turning a lost race on the LINE user id into the same message as the check."""
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        if "cases_client_line_user_id_unique" in str(exc) and client.line_user_id:
            raise _line_user_id_taken(
                line_user_id=client.line_user_id, by=by, exclude_pk=client.pk
            ) from exc
        raise
    return client


@transaction.atomic
def client_create(
    *,
    nickname: str,
    by: User,
    line_user_id: str | None = None,
    phone: str = "",
    age_band: str = Client.AgeBand.UNKNOWN,
    ward: str = Ward.UNKNOWN,
    employment: str = Client.Employment.UNKNOWN,
    household: str = Client.Household.UNKNOWN,
    heard_from: str = "",
    first_contact_at: datetime.datetime | None = None,
    consent_scope: str = Client.ConsentScope.NONE,
    consent_given_on: datetime.date | None = None,
    consent_method: str = "",
) -> Client:
    nickname = (nickname or "").strip()
    if not nickname:
        raise ValidationError({"nickname": _("Enter a nickname.")}, code="required")
    line_user_id = (line_user_id or "").strip() or None
    phone = phone_clean(phone)
    _check_profile(
        {
            "nickname": nickname,
            "line_user_id": line_user_id,
            "first_contact_at": first_contact_at,
            "consent_given_on": consent_given_on,
        }
    )
    values = {
        "consent_scope": consent_scope,
        "consent_given_on": consent_given_on,
        "consent_method": consent_method,
    }
    _validate_consent(values)
    if line_user_id and (error := _line_user_id_taken(line_user_id=line_user_id, by=by)):
        raise error
    consent_given = consent_scope != Client.ConsentScope.NONE
    client = Client(
        nickname=nickname,
        **nickname_search_columns(nickname),
        line_user_id=line_user_id,
        phone=phone,
        age_band=age_band,
        ward=ward,
        employment=employment,
        household=household,
        heard_from=heard_from or "",
        first_contact_at=first_contact_at or timezone.now(),
        consent_scope=consent_scope,
        consent_given_on=consent_given_on if consent_given else None,
        consent_method=consent_method if consent_given else "",
        consent_recorded_by=by if consent_given else None,
        created_by=by,
    )
    _save_client(client, by=by)
    # The counselor who registers her is responsible for her until someone reassigns.
    if authz.is_counselor(by):
        client_counselors_add(
            client=client, user=by, kind=ClientAssignmentChange.Kind.REGISTERED, by=by
        )
    return client


@transaction.atomic
def client_update(*, client: Client, by: User, **changes) -> Client:
    """Change profile fields (see PROFILE_FIELDS); consent changes record who recorded them."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"client_update() got unexpected fields: {', '.join(sorted(unknown))}")
    # Two counselors editing the same profile: the second save must see the first.
    client = Client.objects.select_for_update().get(pk=client.pk)
    if "nickname" in changes:
        changes["nickname"] = (changes["nickname"] or "").strip()
        if not changes["nickname"]:
            raise ValidationError({"nickname": _("Enter a nickname.")}, code="required")
    if "phone" in changes:
        changes["phone"] = phone_clean(changes["phone"])
    _check_profile(changes)
    if "line_user_id" in changes:
        changes["line_user_id"] = (changes["line_user_id"] or "").strip() or None
        new_id = changes["line_user_id"]
        if new_id and new_id != client.line_user_id:
            if error := _line_user_id_taken(line_user_id=new_id, by=by, exclude_pk=client.pk):
                raise error
    if "heard_from" in changes:
        changes["heard_from"] = changes["heard_from"] or ""
    consent_before = (client.consent_scope, client.consent_given_on, client.consent_method)
    merged = {
        "consent_scope": client.consent_scope,
        "consent_given_on": client.consent_given_on,
        "consent_method": client.consent_method,
        **{k: v for k, v in changes.items() if k.startswith("consent_")},
    }
    _validate_consent(merged)
    for field, value in changes.items():
        setattr(client, field, value)
    for column, value in nickname_search_columns(client.nickname).items():
        setattr(client, column, value)
    if client.consent_scope == Client.ConsentScope.NONE:
        client.consent_given_on = None
        client.consent_method = ""
        client.consent_recorded_by = None
    elif (client.consent_scope, client.consent_given_on, client.consent_method) != consent_before:
        client.consent_recorded_by = by
    client.consent_method = client.consent_method or ""
    return _save_client(client, by=by)


@transaction.atomic
def client_last_contact_refresh(*, client_ids: Iterable[int]) -> None:
    """Set each client's `last_contact_at` to the start of her latest consultation (NULL when
    she has none). Every service that adds a consultation or moves one in time or to another
    client calls it, in its own transaction."""
    ids = sorted(set(client_ids))
    # Two consultations recorded for her at once: the second waits for the first to commit,
    # then recomputes seeing both. NO KEY, since inserting a consultation holds KEY SHARE on her.
    list(
        Client.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    latest = (
        Consultation.objects.filter(client_id=OuterRef("pk"))
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    Client.objects.filter(pk__in=ids).update(last_contact_at=Subquery(latest))


@transaction.atomic
def client_assign_counselors(*, client: Client, counselors: Iterable[User], by: User) -> Client:
    """Replace the counselors responsible for her. None at all puts her in the intake queue."""
    counselors = counselors_only(counselors)
    if not authz.can(by, "cases.work_with_clients"):
        raise PermissionDenied(_("Only counselors and supervisors can assign counselors."))
    # Two people assigning at once: lock the client so the last write wins as a whole.
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = _counselor_pks(client)
    client.counselors.set(counselors)
    _record_assignment(
        client=client, kind=ClientAssignmentChange.Kind.ASSIGNED, by=by, before=before
    )
    return client


@transaction.atomic
def client_take_on(*, client: Client, by: User) -> Client:
    """A counselor takes her on from the intake queue (she has no counselor yet)."""
    if not authz.is_counselor(by):
        raise PermissionDenied(_("Only a counselor can take on a client."))
    # Two counselors taking her on at once: the second waits here, then sees the first.
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(_("Only an active client can be taken on."), code="inactive")
    if client.counselors.exists():
        raise ValidationError(
            _("Another counselor has already taken her on. Nothing was changed."),
            code="already_taken",
        )
    client_counselors_add(client=client, user=by, kind=ClientAssignmentChange.Kind.TAKEN_ON, by=by)
    return client


@transaction.atomic
def risk_flag_set(
    *,
    client: Client,
    kind: str,
    by: User,
    note: str = "",
    expires_at: datetime.datetime | None = None,
) -> RiskFlag:
    """Set a risk flag; setting one that is already open updates it (who, when, note, expiry)."""
    if kind not in RiskFlag.Kind.values:
        raise ValidationError({"kind": _("Choose a risk.")}, code="invalid_kind")
    note = (note or "").strip()
    check_bounds(
        schedules={"expires_at": expires_at},
        texts={"note": (note, RiskFlag._meta.get_field("note").max_length)},
    )
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError(
            {"expires_at": _("The expiry must be in the future.")}, code="expired"
        )
    # Two counselors flagging the same risk at once, or a merge folding her into another
    # record meanwhile: serialise on the client row, then read her status.
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.status == Client.Status.MERGED:
        raise ValidationError(
            _("This client was merged into another record; set the risk flag there."),
            code="merged",
        )
    flag = RiskFlag.objects.filter(client=client, kind=kind, cleared_at__isnull=True).first()
    if flag is None:
        flag = RiskFlag(client=client, kind=kind)
    flag.note = note
    flag.expires_at = expires_at
    flag.set_by = by
    flag.set_at = now
    flag.save()
    # Case priority follows her risk flags in force.
    case_services.case_priority_refresh(client=client, by=by)
    return flag


@transaction.atomic
def risk_flag_clear(*, flag: RiskFlag, by: User) -> RiskFlag:
    """Clear a flag. Clearing one already cleared changes nothing."""
    # Two people clearing at once: only the first records who cleared it.
    flag = RiskFlag.objects.select_for_update().select_related("client").get(pk=flag.pk)
    if flag.cleared_at is None:
        flag.cleared_at = timezone.now()
        flag.cleared_by = by
        flag.save(update_fields=["cleared_at", "cleared_by"])
        case_services.case_priority_refresh(client=flag.client, by=by)
    return flag


def client_merge_preview(*, kept: Client, merged: Client) -> dict[str, int]:
    """What a merge would move, {key: count} from every registered mover (shown to the
    supervisor before she confirms; `merge_labels()` names the keys)."""
    preview: dict[str, int] = {}
    for mover in registry.merge_movers:
        preview.update(mover.preview(kept=kept, merged=merged))
    return preview


def merge_labels() -> dict[str, str]:
    """The label of every key a merge mover may report."""
    return {
        key: str(label) for mover in registry.merge_movers for key, label in mover.labels.items()
    }


@transaction.atomic
def client_merge(*, kept: Client, merged: Client, by: User, note: str = "") -> ClientMerge:
    """Fold a duplicate record into the one kept. Supervisors only."""
    if not authz.can(by, "cases.merge_clients"):
        raise PermissionDenied(_("Only a supervisor can merge clients."))
    if kept.pk == merged.pk:
        raise ValidationError(_("A client cannot be merged into herself."), code="same_client")
    note = (note or "").strip()
    check_bounds(texts={"note": (note, REASON_MAX)})
    # Locks both rows (in id order, so two merges never deadlock): prevents two supervisors
    # merging the same records concurrently.
    locked = {
        c.pk: c
        for c in Client.objects.select_for_update()
        .filter(pk__in=[kept.pk, merged.pk])
        .order_by("pk")
    }
    kept, merged = locked[kept.pk], locked[merged.pk]
    if Client.Status.MERGED in (kept.status, merged.status):
        raise ValidationError(
            _("This client has already been merged into another record."), code="already_merged"
        )
    now = timezone.now()
    moved: dict[str, int | bool] = {}
    # Every app moves its own rows (consultations, cases, follow-ups, referrals, ...).
    for mover in registry.merge_movers:
        moved.update(mover.move(kept=kept, merged=merged, by=by, now=now))

    moved["line_user_id"] = bool(not kept.line_user_id and merged.line_user_id)
    moved["phone"] = bool(not kept.phone and merged.phone)
    line_user_id = merged.line_user_id
    merged.status = Client.Status.MERGED
    merged.merged_into = kept
    if moved["line_user_id"]:
        merged.line_user_id = None  # unique: it moves rather than being copied
    merged.save(update_fields=["status", "merged_into", "line_user_id", "updated_at"])
    if moved["line_user_id"]:
        kept.line_user_id = line_user_id
    if moved["phone"]:
        kept.phone = merged.phone
    kept.save(update_fields=["line_user_id", "phone", "updated_at"])

    # Her consultations moved: the kept record's last contact may be the merged one's now.
    client_last_contact_refresh(client_ids=[kept.pk, merged.pk])

    record = ClientMerge.objects.create(
        kept=kept, merged=merged, merged_by=by, merged_at=now, moved=moved, note=note
    )
    case_services.case_priority_refresh(client=kept, by=by)
    return record


# --- the cases app's merge movers (registered in cases/extensions.py) -----------------------


def merge_move_records(*, kept: Client, merged: Client, by: User, now) -> dict[str, int]:
    """Her consultations and cases; risk flags (a duplicate open flag is cleared, then moved,
    so who set it stays on record: only one open flag per kind is allowed); counselors."""
    moved = {
        "consultations": Consultation.objects.filter(client=merged).update(client=kept),
        "cases": Case.objects.filter(client=merged).update(client=kept),
    }
    kept_open = RiskFlag.objects.filter(client=kept, cleared_at__isnull=True).values("kind")
    moved["risk_flags_dropped"] = RiskFlag.objects.filter(
        client=merged, cleared_at__isnull=True, kind__in=kept_open
    ).update(cleared_at=now, cleared_by=by)
    moved["risk_flags"] = RiskFlag.objects.filter(client=merged).update(client=kept)
    new_counselors = list(merged.counselors.exclude(pk__in=kept.counselors.values("pk")))
    before = _counselor_pks(kept)
    kept.counselors.add(*new_counselors)
    _record_assignment(client=kept, kind=ClientAssignmentChange.Kind.MERGED, by=by, before=before)
    moved["counselors"] = len(new_counselors)
    return moved


def merge_preview_records(*, kept: Client, merged: Client) -> dict[str, int]:
    kept_open = set(
        RiskFlag.objects.filter(client=kept, cleared_at__isnull=True).values_list("kind", flat=True)
    )
    merged_open = set(
        RiskFlag.objects.filter(client=merged, cleared_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    return {
        "consultations": Consultation.objects.filter(client=merged).count(),
        "cases": Case.objects.filter(client=merged).count(),
        "risk_flags": RiskFlag.objects.filter(client=merged).count(),
        "risk_flags_dropped": len(kept_open & merged_open),
        "counselors": merged.counselors.exclude(pk__in=kept.counselors.values("pk")).count(),
    }
