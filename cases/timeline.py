"""The case timeline: everything that happened in a case, newest first, in one list.

Entries come from the providers registered in `core.registry.timeline_providers`: an app adds
its records (follow-ups, referrals, product handouts) by registering a provider in its own
`extensions.py`. A provider runs a fixed number of queries whatever the number of rows, and
returns TimelineEntry objects or dicts with the same keys.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from core import registry

from .models import Case, CaseEvent, CaseNote, SupportAction, SupportGoal


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # e.g. "consultation", "note", "goal_added", "event:status_changed", "followup"
    actor: User | None
    title: str
    body: str = ""
    url: str = ""
    object: Any = None
    # Corrections of a note, oldest first, shown under the note they correct.
    corrections: list[TimelineEntry] = field(default_factory=list)

    @property
    def is_corrected(self) -> bool:
        return bool(self.corrections)


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every record of the case from every provider, newest first."""
    entries: list[TimelineEntry] = []
    for provider in registry.timeline_providers:
        entries.extend(_as_entry(e) for e in provider.entries(case))
    # Newest first; the same moment keeps the providers' order, so the result is stable.
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _as_entry(entry: TimelineEntry | dict) -> TimelineEntry:
    if isinstance(entry, TimelineEntry):
        return entry
    return TimelineEntry(
        at=entry["at"],
        kind=entry["kind"],
        actor=entry.get("actor"),
        title=str(entry["title"]),
        body=entry.get("body", ""),
        url=entry.get("url", ""),
        object=entry.get("object"),
    )


# --- the core provider: consultations, notes, support plan, state changes -----------------


def core_entries(case: Case) -> list[TimelineEntry]:
    """Six queries: consultations, notes, goals, actions, events, and the users events name."""
    return [
        *_consultation_entries(case),
        *_note_entries(case),
        *_goal_entries(case),
        *_action_entries(case),
        *_event_entries(case),
    ]


def _consultation_entries(case: Case) -> list[TimelineEntry]:
    entries = []
    for c in case.consultations.select_related("recorded_by").order_by("started_at", "pk"):
        entries.append(
            TimelineEntry(
                at=c.started_at,
                kind="consultation",
                actor=c.recorded_by,
                title=_("%(kind)s: %(concern)s")
                % {"kind": c.get_kind_display(), "concern": c.get_main_concern_display()},
                body=c.summary,
                url=reverse("cases:consultation_detail", kwargs={"pk": c.pk}),
                object=c,
            )
        )
    return entries


def _note_entries(case: Case) -> list[TimelineEntry]:
    notes = list(case.notes.select_related("author").order_by("created_at", "pk"))
    by_id = {n.pk: n for n in notes}

    def root(note: CaseNote) -> CaseNote:
        # A correction of a correction still belongs under the note first written.
        while note.corrects_id is not None and note.corrects_id in by_id:
            note = by_id[note.corrects_id]
        return note

    originals: dict[int, TimelineEntry] = {}
    for note in notes:
        if note.corrects_id is None:
            originals[note.pk] = TimelineEntry(
                at=note.created_at,
                kind="note",
                actor=note.author,
                title=_("Case note"),
                body=note.body,
                object=note,
            )
    for note in notes:
        if note.corrects_id is not None:
            originals[root(note).pk].corrections.append(
                TimelineEntry(
                    at=note.created_at,
                    kind="note_correction",
                    actor=note.author,
                    title=_("Correction"),
                    body=note.body,
                    object=note,
                )
            )
    return list(originals.values())


def _plan_item_entries(
    item: SupportGoal | SupportAction,
    *,
    body: str,
    finished_at: datetime.datetime | None,
    finished_by: User | None,
    kinds: tuple[str, str],
    titles: tuple[str, str],
) -> list[TimelineEntry]:
    """A goal or action of the support plan: one entry when it was added, one when it was
    achieved or done. `kinds` and `titles` are (added, finished)."""
    entries = [
        TimelineEntry(
            at=item.created_at,
            kind=kinds[0],
            actor=item.created_by,
            title=titles[0],
            body=body,
            object=item,
        )
    ]
    if finished_at:
        entries.append(
            TimelineEntry(
                at=finished_at,
                kind=kinds[1],
                actor=finished_by,
                title=titles[1],
                body=body,
                object=item,
            )
        )
    return entries


def _goal_entries(case: Case) -> list[TimelineEntry]:
    goals = SupportGoal.objects.filter(case=case).select_related("created_by", "achieved_by")
    return [
        entry
        for goal in goals.order_by("created_at", "pk")
        for entry in _plan_item_entries(
            goal,
            body=goal.text,
            finished_at=goal.achieved_at,
            finished_by=goal.achieved_by,
            kinds=("goal_added", "goal_achieved"),
            titles=(_("Support goal added"), _("Support goal achieved")),
        )
    ]


def _action_entries(case: Case) -> list[TimelineEntry]:
    actions = SupportAction.objects.filter(case=case).select_related(
        "created_by", "done_by", "owner"
    )
    return [
        entry
        for action in actions.order_by("created_at", "pk")
        for entry in _plan_item_entries(
            action,
            body=action.description,
            finished_at=action.done_at,
            finished_by=action.done_by,
            kinds=("action_added", "action_done"),
            titles=(_("Support action added"), _("Support action done")),
        )
    ]


def _event_entries(case: Case) -> list[TimelineEntry]:
    events = list(case.state_changes.select_related("actor").order_by("at", "pk"))
    user_ids = set()
    for e in events:
        user_ids.update(e.before.get("counselors", []))
        user_ids.update(e.after.get("counselors", []))
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    return [
        TimelineEntry(
            at=e.at,
            kind=f"event:{e.kind}",
            actor=e.actor,
            title=e.get_kind_display(),
            body=_event_body(e, names),
            object=e,
        )
        for e in events
    ]


def _label(choices: type, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _event_body(event: CaseEvent, names: dict[int, str]) -> str:
    """A readable before → after line, then the note written with the change."""
    before, after = event.before, event.after
    parts = []
    # field, its choices, the line for a change, the line for a first value
    for name, choices, changed, first in (
        ("status", Case.Status, _("Status: %(before)s → %(after)s"), _("Status: %(status)s")),
        (
            "priority",
            Case.Priority,
            _("Priority: %(before)s → %(after)s"),
            _("Priority: %(priority)s"),
        ),
    ):
        if name not in after:
            continue
        new = _label(choices, after[name])
        if name in before:
            parts.append(changed % {"before": _label(choices, before[name]), "after": new})
        else:
            parts.append(first % {name: new})
    if "counselors" in after:
        parts.append(
            _("Counselors: %(names)s")
            % {
                "names": pgettext("list separator", ", ").join(
                    names.get(pk, f"#{pk}") for pk in after["counselors"]
                )
            }
        )
    if reason := after.get("close_reason") or after.get("reason"):
        parts.append(_("Reason: %(reason)s") % {"reason": _label(Case.CloseReason, reason)})
    if event.note:
        parts.append(event.note)
    return "\n".join(parts)
