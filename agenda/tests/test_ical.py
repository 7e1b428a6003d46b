"""The iCalendar text: CRLF, folding at 75 octets without splitting a character, escaping."""

from __future__ import annotations

import datetime

from agenda import ical
from core.registry import CalendarEntry
from core.time import TOKYO


def test_text_is_escaped():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_between_characters():
    line = "SUMMARY:" + "ピアサポート" * 20
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_a_calendar_has_events_in_utc_with_stable_uids():
    start = datetime.datetime(2022, 6, 18, 13, 30, tzinfo=TOKYO)
    entry = CalendarEntry(
        start=start,
        end=start + datetime.timedelta(hours=2),
        title="Peer support: パステルアート",
        kind="peer_session",
        uid="activities-peersession-7",
        url="/activities/sessions/7/",
    )
    day = CalendarEntry(
        start=start.replace(hour=0, minute=0),
        end=start.replace(hour=0, minute=0) + datetime.timedelta(days=1),
        title="Closed",
        kind="x",
        uid="x-1",
        all_day=True,
    )
    now = datetime.datetime(2022, 6, 1, tzinfo=datetime.UTC)
    text = ical.calendar_text(
        [entry, day],
        name="Tsunagari",
        domain="example.org",
        base_url="https://example.org",
        now=now,
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "UID:activities-peersession-7@example.org\r\n" in text
    assert "DTSTART:20220618T043000Z\r\n" in text
    assert "DTEND:20220618T063000Z\r\n" in text
    assert "DTSTART;VALUE=DATE:20220618\r\n" in text and "DTEND;VALUE=DATE:20220619\r\n" in text
    assert "URL:https://example.org/activities/sessions/7/\r\n" in text
    assert text.count("BEGIN:VEVENT") == 2
    assert "DTSTAMP:20220601T000000Z" in text
