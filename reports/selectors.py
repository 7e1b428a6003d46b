"""The yearly report: the figures of every registered section for a period, laid out as the
city's table, with the monthly chart and the downloads' contents.

Sections (`core.registry.report_sections`) answer with nested figures; `kpi_numbers` merges
them (a key given twice is an error), then lets each section derive ratios from the whole.
Every section aggregates in the database, so the number of queries does not grow with data.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core import registry
from core.figures import deep_merge, dig, flatten, outside_count, unflatten
from core.time import fiscal_year_start, local_date

# The parts of the city's table, in its order; a row's group is its key's first part.
GROUPS: tuple[tuple[str, Any], ...] = (
    ("line", gettext_lazy("LINE consultation (つながりサポートLINE相談)")),
    ("supplies", gettext_lazy("Sanitary products")),
    ("peer_support", gettext_lazy("Peer support")),
    ("expert", gettext_lazy("Expert consultations")),
    ("survey", gettext_lazy("End-of-consultation survey")),
    ("cases", gettext_lazy("Continued support")),
    ("referrals", gettext_lazy("Referrals and accompaniment")),
    ("risk", gettext_lazy("Imminent risk")),
    ("consultations", gettext_lazy("Consultations in detail")),
)
EARLIEST = datetime.date(2000, 4, 1)


class PeriodError(ValueError):
    """A period the report cannot cover; the message is for the user, in her language."""


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def fiscal_year(self) -> int | None:
        """The fiscal year (its April's calendar year) when the period is exactly one."""
        begins = fiscal_year_start(self.start)
        if self.start == begins and self.end == fiscal_year(begins.year).end:
            return begins.year
        return None

    @property
    def label(self) -> str:
        year = self.fiscal_year
        if year is not None:
            return fiscal_year_label(year)
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def year_before(self) -> Period:
        return Period(_a_year_before(self.start), _a_year_before(self.end))


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def fiscal_year(year: int) -> Period:
    """令和4年度 is fiscal_year(2022): 2022-04-01 to 2023-03-31."""
    return Period(datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31))


def fiscal_year_label(year: int) -> str:
    if year >= 2019:
        return _("FY Reiwa %(era)s (%(year)s)") % {"era": year - 2018, "year": year}
    return _("FY Heisei %(era)s (%(year)s)") % {"era": year - 1988, "year": year}


def current_fiscal_year(today: datetime.date | None = None) -> Period:
    return fiscal_year(fiscal_year_start(today or local_date(timezone.now())).year)


def parse_period(start: str | None, end: str | None) -> Period:
    """The period of two ISO dates (both included), or PeriodError saying what is wrong."""
    days = []
    for name, text in ((pgettext("period", "from"), start), (pgettext("period", "to"), end)):
        if not text:
            raise PeriodError(_("Give the first and the last day of the period (YYYY-MM-DD)."))
        try:
            days.append(datetime.date.fromisoformat(text.strip()))
        except ValueError:
            raise PeriodError(
                _("%(name)s is not a date of the form YYYY-MM-DD.") % {"name": name}
            ) from None
    period = Period(*days)
    check_period(period)
    return period


def check_period(period: Period) -> None:
    if period.start > period.end:
        raise PeriodError(_("The period ends before it starts."))
    if period.start < EARLIEST or period.end.year > 9000:
        raise PeriodError(_("The programme holds no records for that period."))


def kpi_numbers(period: Period) -> dict[str, Any]:
    """Every section's figures for the period, merged, then the derived ones."""
    numbers: dict[str, Any] = {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()}
    }
    sections = list(registry.report_sections)
    for section in sections:
        deep_merge(numbers, section.numbers(period.start, period.end))
    for section in sections:
        if section.derived is not None:
            deep_merge(numbers, section.derived(numbers))
    return numbers


def report_rows(numbers: Mapping[str, Any]) -> list[registry.ReportRow]:
    return [row for section in registry.report_sections for row in section.rows(numbers)]


def _group_of(row: registry.ReportRow) -> str:
    return row.group or row.key.split(".", 1)[0]


@dataclass(frozen=True)
class Line:
    row: registry.ReportRow
    value: Any
    previous: Any
    target: Any = None

    @property
    def below_target(self) -> bool:
        return (
            self.target is not None
            and isinstance(self.value, int | float)
            and (self.value < self.target)
        )


@dataclass(frozen=True)
class Group:
    key: str
    title: Any
    lines: list[Line]


def kpi_table(numbers: Mapping[str, Any], previous: Mapping[str, Any] | None) -> list[Group]:
    """The rows in the city's order, each with this period's and the year before's figure."""
    by_group: dict[str, list[Line]] = {}
    for row in report_rows(numbers):
        by_group.setdefault(_group_of(row), []).append(
            Line(
                row=row,
                value=dig(numbers, row.key),
                previous=dig(previous, row.key) if previous is not None else None,
                target=dig(numbers, row.target) if row.target else None,
            )
        )
    titles = dict(GROUPS)
    order = [key for key, _title in GROUPS] + sorted(set(by_group) - set(titles))
    return [Group(key, titles.get(key, key), by_group[key]) for key in order if key in by_group]


def suppressed(numbers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy for outside the programme: counts of women from 1 to 4 read "<5"."""
    flat = flatten(numbers)
    for row in report_rows(numbers):
        if row.people and row.key in flat:
            flat[row.key] = outside_count(flat[row.key])
    return unflatten(flat)


def months_of(period: Period) -> list[str]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(f"{day:%Y-%m}")
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Series:
    key: str
    label: Any
    counts: list[int]


def monthly(period: Period) -> tuple[list[str], list[Series]]:
    """The chart's months and, per registered series, its count in each month."""
    months = months_of(period)
    series = []
    for section in registry.report_sections:
        for s in section.monthly:
            found = s.counts(period.start, period.end)
            series.append(Series(s.key, s.label, [int(found.get(m, 0)) for m in months]))
    return months, series


def flat_with_labels(numbers: Mapping[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    """(key, label, value, unit) for every figure: the CSV download's lines."""
    rows = {row.key: row for row in report_rows(numbers)}
    out = []
    for key, value in flatten(numbers).items():
        row = rows.get(key)
        out.append((key, row.label if row else "", value, row.unit if row else ""))
    return out


def month_label(month: str) -> str:
    year, number = month.split("-")
    return _("%(month)s/%(year)s") % {"month": int(number), "year": year}


def _short_month(month: str) -> str:
    """The month's short name in the active language (4月, Apr) for the chart's axis."""
    return date_format(datetime.date.fromisoformat(f"{month}-01"), "M")


def chart(months: Sequence[str], series: Sequence[Series]) -> dict[str, Any]:
    """Geometry of the monthly bar chart, drawn as SVG by the template (no script, no style
    attribute: it works under the strict CSP)."""
    width, height, left, bottom, top = 760, 260, 44, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = max([1, *(n for s in series for n in s.counts)])
    step = 10 ** max(0, len(str(peak)) - 1)
    ceiling = ((peak + step - 1) // step) * step
    slot = plot_w / max(1, len(months))
    bar_w = max(2.0, (slot - 6) / max(1, len(series)))
    bars = []
    for index, s in enumerate(series):
        for m, count in enumerate(s.counts):
            h = plot_h * count / ceiling
            bars.append(
                {
                    "series": index,
                    "x": round(left + m * slot + 3 + index * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w - 1, 1),
                    "h": round(h, 1),
                    "count": count,
                    "month": month_label(months[m]),
                    "label": s.label,
                }
            )
    ticks = [
        {"y": round(top + plot_h - plot_h * v / ceiling, 1), "value": v}
        for v in range(0, ceiling + 1, max(1, ceiling // 4))
    ]
    labels = [
        {"x": round(left + m * slot + slot / 2, 1), "text": _short_month(month)}
        for m, month in enumerate(months)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "baseline": top + plot_h,
        "right": width - 8,
        "label_y": height - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "series": [{"index": i, "label": s.label} for i, s in enumerate(series)],
    }
