"""The partner directory (連携団体): kept by coordinators and supervisors; imported from and
exported to CSV (and XLSX for export)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz, exports
from core.bounds import NOTE_MAX, REASON_MAX, text_problem
from core.choices import Ward

from ..models import Partner

# The CSV's header row: the field names, in this order on export (any order on import).
CSV_FIELDS = (
    "name",
    "kind",
    "ward",
    "address",
    "phone",
    "email",
    "contact_person",
    "services",
    "opening_hours",
    "languages",
    "is_outreach_partner",
    "is_active",
    "notes",
)
LIST_FIELDS = ("services", "languages")
BOOL_FIELDS = ("is_outreach_partner", "is_active")
# A list cell holds codes separated by ";" (what Excel users type; "," would split the cell).
LIST_SEPARATOR = ";"
TRUE_WORDS = {"true", "1", "yes", "y", "はい", "○"}
FALSE_WORDS = {"false", "0", "no", "n", "いいえ", "×"}
TEXT_LIMITS = {
    "name": 200,
    "address": 300,
    "phone": 30,
    "email": 254,
    "contact_person": 100,
    "opening_hours": REASON_MAX,
    "notes": NOTE_MAX,
}
DEFAULTS = {
    "ward": Ward.UNKNOWN,
    "address": "",
    "phone": "",
    "email": "",
    "contact_person": "",
    "services": [],
    "opening_hours": "",
    "languages": [],
    "is_outreach_partner": False,
    "is_active": True,
    "notes": "",
}


def _require_manager(by: User) -> None:
    if not authz.can(by, "referrals.manage_partners"):
        raise PermissionDenied(_("You cannot change the partner directory."))


def _clean(values: dict) -> tuple[dict, dict[str, str]]:
    """The values stripped and checked: (clean values, {field: message})."""
    clean: dict = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name in LIST_FIELDS:
            clean[name] = list(dict.fromkeys(v.strip() for v in (value or ()) if v.strip()))
        elif name in BOOL_FIELDS:
            clean[name] = bool(value)
        else:
            clean[name] = (value or "").strip()
    if "name" in clean and not clean["name"]:
        errors["name"] = _("Enter the organisation's name.")
    if "kind" in clean and clean["kind"] not in Partner.Kind.values:
        errors["kind"] = _("Unknown kind: %(value)s.") % {"value": clean["kind"]}
    if "ward" in clean and clean["ward"] not in Ward.values:
        errors["ward"] = _("Unknown ward code: %(value)s.") % {"value": clean["ward"]}
    if "services" in clean:
        unknown = [s for s in clean["services"] if s not in Partner.Service.values]
        if unknown:
            errors["services"] = _("Unknown services: %(value)s.") % {"value": ", ".join(unknown)}
    if clean.get("email"):
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    for name, limit in TEXT_LIMITS.items():
        if name in clean and (problem := text_problem(clean[name], limit=limit)):
            errors[name] = problem
    if any(len(code) > 20 for code in clean.get("languages", ())):
        errors["languages"] = _("Write each language as a short code (ja, en, zh, ...).")
    return clean, errors


def _duplicate(name: str, kind: str, exclude_pk: int | None = None) -> bool:
    qs = Partner.objects.annotate(lname=Lower("name")).filter(lname=name.lower(), kind=kind)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _duplicate_message() -> str:
    return _("A partner of this kind with this name exists already.")


def _save(partner: Partner) -> Partner:
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as exc:
        # Two coordinators adding the same organisation at once: the constraint decides.
        raise ValidationError({"name": _duplicate_message()}, code="duplicate") from exc
    return partner


def _refresh(target: Partner, source: Partner) -> Partner:
    """The caller's copy made equal to the row just saved."""
    for f in Partner._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    return target


@transaction.atomic
def partner_create(*, by: User, name: str, kind: str, **values) -> Partner:
    _require_manager(by)
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"partner_create() got unexpected fields: {', '.join(sorted(unknown))}")
    clean, errors = _clean({**DEFAULTS, **values, "name": name, "kind": kind})
    if not errors and _duplicate(clean["name"], clean["kind"]):
        errors["name"] = _duplicate_message()
    if errors:
        raise ValidationError(errors)
    return _save(Partner(**clean))


@transaction.atomic
def partner_update(*, partner: Partner, by: User, **changes) -> Partner:
    _require_manager(by)
    unknown = set(changes) - set(CSV_FIELDS)
    if unknown:
        raise TypeError(f"partner_update() got unexpected fields: {', '.join(sorted(unknown))}")
    # Two coordinators editing one partner: the second save starts from the first's result.
    row = Partner.objects.select_for_update().get(pk=partner.pk)
    clean, errors = _clean(changes)
    name = clean.get("name", row.name)
    kind = clean.get("kind", row.kind)
    if not errors and _duplicate(name, kind, exclude_pk=row.pk):
        errors["name"] = _duplicate_message()
    if errors:
        raise ValidationError(errors)
    for key, value in clean.items():
        setattr(row, key, value)
    return _refresh(partner, _save(row))


@transaction.atomic
def partner_set_active(*, partner: Partner, is_active: bool, by: User) -> Partner:
    """Inactive partners stay for the history and are not offered for new referrals."""
    _require_manager(by)
    row = Partner.objects.select_for_update().get(pk=partner.pk)
    row.is_active = bool(is_active)
    row.save(update_fields=["is_active", "updated_at"])
    return _refresh(partner, row)


# --- CSV import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerImportResult:
    created: int
    updated: int


class PartnerImportError(ValidationError):
    """Nothing was imported; `row_errors` lists (row number, message), the header being row 1."""

    def __init__(self, *, row_errors: list[tuple[int, str]]) -> None:
        self.row_errors = list(row_errors)
        super().__init__(
            [
                _("Row %(row)d: %(message)s") % {"row": row, "message": message}
                for row, message in self.row_errors
            ],
            code="import",
        )


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without a BOM, else CP932 (Shift_JIS as Excel writes it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise PartnerImportError(
            row_errors=[(1, _("The file is neither UTF-8 nor Shift_JIS (CP932)."))]
        ) from exc


def _bool_cell(value: str, default: bool) -> bool | None:
    value = value.strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None


def _row_values(raw: dict[str, str]) -> tuple[dict, list[str]]:
    values: dict = {}
    problems: list[str] = []
    for name in CSV_FIELDS:
        if name not in raw:
            continue
        # A cell our own export neutralised ('=…) comes back as what was typed.
        cell = exports.restored_cell((raw[name] or "").strip())
        if name in LIST_FIELDS:
            values[name] = [v for v in cell.split(LIST_SEPARATOR) if v.strip()]
        elif name in BOOL_FIELDS:
            flag = _bool_cell(cell, DEFAULTS[name])
            if flag is None:
                problems.append(
                    _("%(field)s must be true or false, not %(value)s.")
                    % {"field": name, "value": cell}
                )
            else:
                values[name] = flag
        elif name == "ward" and not cell:
            values[name] = Ward.UNKNOWN
        else:
            values[name] = cell
    return values, problems


@transaction.atomic
def partners_import_csv(*, data: bytes, by: User) -> PartnerImportResult:
    """All or nothing: each row adds a partner, or updates the one of the same name and kind
    (case-insensitive). Any bad row, and nothing is written; the error lists every bad row."""
    _require_manager(by)
    reader = csv.DictReader(io.StringIO(decode_csv(data), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in ("name", "kind") if name not in header]
    unknown = [name for name in header if name not in CSV_FIELDS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("The header row lacks: %(fields)s.") % {"fields": ", ".join(missing)})
        if unknown:
            problems.append(_("Unknown columns: %(fields)s.") % {"fields": ", ".join(unknown)})
        raise PartnerImportError(row_errors=[(1, p) for p in problems])
    row_errors: list[tuple[int, str]] = []
    planned: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        if None in raw:  # more cells than the header has columns
            row_errors.append((number, _("This row has more cells than the header.")))
            continue
        if not any((v or "").strip() for v in raw.values()):
            continue  # a blank line
        values, problems = _row_values(raw)
        clean, errors = _clean(values)
        problems += [f"{name}: {message}" for name, message in errors.items()]
        key = (clean.get("name", "").lower(), clean.get("kind", ""))
        if not problems and key in seen:
            problems.append(_("The same partner as row %(row)d.") % {"row": seen[key]})
        seen.setdefault(key, number)
        if problems:
            row_errors.extend((number, p) for p in problems)
        else:
            planned.append((number, clean))
    if row_errors:
        raise PartnerImportError(row_errors=row_errors)
    existing = {
        (p.name.lower(), p.kind): p for p in Partner.objects.select_for_update().order_by("pk")
    }
    created = updated = 0
    for _number, clean in planned:
        partner = existing.get((clean["name"].lower(), clean["kind"]))
        if partner is None:
            Partner.objects.create(**{**DEFAULTS, **clean})
            created += 1
        else:
            for key, value in clean.items():
                setattr(partner, key, value)
            partner.save()
            updated += 1
    return PartnerImportResult(created=created, updated=updated)


# --- export -----------------------------------------------------------------------------------


def _require_viewer(by: User) -> None:
    if not authz.can(by, "referrals.view_partners"):
        raise PermissionDenied(_("You cannot see the partner directory."))


def _cells(partner: Partner) -> list[str]:
    cells = []
    for name in CSV_FIELDS:
        value = getattr(partner, name)
        if name in LIST_FIELDS:
            value = LIST_SEPARATOR.join(value)
        elif name in BOOL_FIELDS:
            value = "true" if value else "false"
        cells.append(value)
    return cells


def _rows(partners: Iterable[Partner] | None) -> Sequence[Partner]:
    if partners is None:
        partners = Partner.objects.order_by("kind", "name", "pk")
    elif isinstance(partners, QuerySet):
        partners = partners.order_by("kind", "name", "pk")
    return list(partners)


def partners_export_csv(*, by: User, partners: Iterable[Partner] | None = None) -> bytes:
    """The directory as CSV (UTF-8 with a BOM, for Excel), in the import's format."""
    _require_viewer(by)
    return exports.csv_bytes(CSV_FIELDS, (_cells(p) for p in _rows(partners)))


def partners_export_xlsx(*, by: User, partners: Iterable[Partner] | None = None) -> bytes:
    """The directory as an Excel workbook, the same columns as the CSV."""
    _require_viewer(by)
    return exports.xlsx_bytes(
        [exports.Sheet("partners", CSV_FIELDS, (_cells(p) for p in _rows(partners)))]
    )
