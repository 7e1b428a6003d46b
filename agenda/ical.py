"""iCalendar (RFC 5545) text for the staff calendar's feed, written by hand: the little the
feed needs (VEVENTs with UID, DTSTAMP, DTSTART/DTEND in UTC or as dates, SUMMARY, URL,
CATEGORIES), CRLF line ends, lines folded at 75 octets, text escaped."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from core.registry import CalendarEntry
from core.time import local_date

CRLF = "\r\n"
FOLD_AT = 75  # octets per line, CRLF excluded (RFC 5545 §3.1)
PRODID = "-//Tsunagari//Staff calendar//JA"


def escape_text(value: str) -> str:
    """TEXT value escaping (§3.3.11): backslash, semicolon, comma, newline."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets of UTF-8, never inside a character; each
    continuation line starts with one space (which counts towards its 75)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, FOLD_AT
        current += char
        size += width
    out.append(current)
    return CRLF.join(out)


def utc_stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date_stamp(value: datetime.datetime) -> str:
    return local_date(value).strftime("%Y%m%d")


def _event(
    entry: CalendarEntry, *, domain: str, now: datetime.datetime, base_url: str
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}@{domain}",
        f"DTSTAMP:{utc_stamp(now)}",
    ]
    if entry.all_day:
        lines += [
            f"DTSTART;VALUE=DATE:{_date_stamp(entry.start)}",
            f"DTEND;VALUE=DATE:{_date_stamp(entry.end)}",
        ]
    else:
        lines += [f"DTSTART:{utc_stamp(entry.start)}", f"DTEND:{utc_stamp(entry.end)}"]
    lines.append(f"SUMMARY:{escape_text(entry.title)}")
    lines.append(f"CATEGORIES:{escape_text(entry.kind)}")
    if entry.url:
        lines.append(f"URL:{base_url}{entry.url}")
    lines.append("END:VEVENT")
    return lines


def calendar_text(
    entries: Iterable[CalendarEntry],
    *,
    name: str,
    domain: str,
    base_url: str,
    now: datetime.datetime,
) -> str:
    """A VCALENDAR of the entries; `base_url` ("https://host") is prefixed to their paths."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
    ]
    for entry in entries:
        lines += _event(entry, domain=domain, now=now, base_url=base_url)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
