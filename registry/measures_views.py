"""The measures page: each measure as a chart drawn on the server (an SVG, no script) with
its table beside it. The chart reads without colour (each bar carries its value in words)
and by a screen reader (an image with a name and a description; the table is its
accessible equivalent)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cpcase import access, audit
from cpcase.models import AuditEvent
from cpcase.views import AuthedRequest
from registry.forms import MeasuresPeriodForm
from registry.measures import Counts, Measure, default_period, measures_for

# The chart's drawing units (it scales to the width of its column).
WIDTH = 640
BAR_MAX = 420
ROW = 46  # a label above its bar
ROW_LEFT = 26  # a short label beside its bar
LABEL_LEFT = 64


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    label_y: int
    width: int
    text_x: int
    total: bool


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    height: int
    bar_x: int
    bars: list[Bar]


def _percent_text(numerator: int, denominator: int, percent: int | None) -> str:
    if percent is None:
        return "nothing to count"
    return f"{percent}% ({numerator} of {denominator})"


def measure_chart(measure: Measure) -> Chart:
    """A bar for each team and one for the authority, the bar's length its per cent."""
    rows = [(row.label, row.ratio, False) for row in measure.rows]
    rows.append(("Whole authority", measure.total, True))
    bars = []
    for i, (label, ratio, total) in enumerate(rows):
        width = round(BAR_MAX * (ratio.percent or 0) / 100)
        bars.append(
            Bar(
                label=label,
                value_text=_percent_text(ratio.numerator, ratio.denominator, ratio.percent),
                y=i * ROW + 20,
                label_y=i * ROW + 15,
                width=width,
                text_x=width + 8,
                total=total,
            )
        )
    return Chart(
        key=measure.key,
        title=measure.title,
        description="; ".join(f"{b.label}: {b.value_text}" for b in bars) + ".",
        height=len(rows) * ROW + 4,
        bar_x=0,
        bars=bars,
    )


def counts_chart(counts: Counts) -> Chart:
    """A bar for each hour or agency, its length the count against the largest."""
    largest = max((n for _, n in counts.rows), default=0)
    short = all(len(label) <= 14 for label, _ in counts.rows)
    step = ROW_LEFT if short else ROW
    bars = []
    for i, (label, n) in enumerate(counts.rows):
        width = round(BAR_MAX * n / largest) if largest else 0
        bars.append(
            Bar(
                label=label.split(" to ")[0] if short else label,
                value_text=f"{n}",
                y=i * step + (4 if short else 20),
                label_y=i * step + (18 if short else 15),
                width=width,
                text_x=width + 8,
                total=False,
            )
        )
    return Chart(
        key=counts.key,
        title=counts.title,
        description="; ".join(f"{label}: {n}" for label, n in counts.rows) + ".",
        height=len(bars) * step + 6,
        bar_x=LABEL_LEFT if short else 0,
        bars=bars,
    )


@login_required
def measures_page(request: AuthedRequest) -> HttpResponse:
    """The service's measures over a period, by team: the service leader's and the unit
    manager's. Counts, never a child: the read is audited as one event with its period."""
    user = request.user
    if not access.may_read_measures(user):
        raise PermissionDenied("Only the service leader and the safeguarding unit manager.")
    today = timezone.localdate()
    start, end = default_period(today)
    form = MeasuresPeriodForm(request.GET or None, initial={"period_from": start, "period_to": end})
    if form.is_bound and not form.is_valid():
        return render(request, "registry/measures.html", {"form": form})
    period_from, period_to = form.period(today) if form.is_bound else (start, end)
    found = measures_for(user=user, period_from=period_from, period_to=period_to)
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        summary=f"Read the measures from {period_from:%d %b %Y} to {period_to:%d %b %Y}",
        changes={"measures": {"from": period_from, "to": period_to}},
    )
    return render(
        request,
        "registry/measures.html",
        {
            "form": form,
            "found": found,
            "measures": [(m, measure_chart(m)) for m in found.measures],
            "enquiries": [(c, counts_chart(c)) for c in found.enquiries],
        },
    )
