"""The sequence report as files (CSV, XLSX with tablib) and as SVG charts (pygal)."""
from __future__ import annotations

import pygal
import tablib
from django.utils.translation import gettext as _, gettext_lazy

from .sequence_report import SequenceReport

SERIES = ("sent", "opened", "clicked", "converted")
# The charts' legends, in the reader's language (the CSV/XLSX headers stay machine-readable).
SERIES_LABELS = {"sent": gettext_lazy("Sent"), "opened": gettext_lazy("Opened"), "clicked": gettext_lazy("Clicked"),
                 "converted": gettext_lazy("Converted")}


def currencies(report: SequenceReport) -> list[str]:
    return sorted({currency for figures in report.days.values() for currency in figures.revenue})


def daily_dataset(report: SequenceReport) -> tablib.Dataset:
    money = currencies(report)
    data = tablib.Dataset(headers=["day", "sent", "opened", "clicked", "converted", "opens (raw)", "clicks (raw)",
                                   *(f"revenue {currency or '?'}" for currency in money)], title="Per day")
    for day, figures in report.days.items():
        data.append([day.isoformat(), *(figures.counts[name] for name in SERIES), figures.raw_opens,
                     figures.raw_clicks, *(str(figures.revenue.get(currency, 0)) for currency in money)])
    return data


def steps_dataset(report: SequenceReport) -> tablib.Dataset:
    data = tablib.Dataset(headers=["step", "variant", "sent", "delivered", "opened", "clicked", "converted",
                                   "opens (raw)", "clicks (raw)", "revenue"], title="Per step")
    for row in report.rows:
        figures = row.current
        data.append([str(row.step), row.variant, figures.sent, figures.delivered, figures.opened, figures.clicked,
                     figures.converted, figures.raw_opens, figures.raw_clicks, figures.revenue_text()])
    return data


def export(report: SequenceReport, file_format: str) -> bytes | str:
    """"csv": the daily series then the steps; "xlsx": one sheet each."""
    if file_format == "xlsx":
        return tablib.Databook([daily_dataset(report), steps_dataset(report)]).export("xlsx")
    return daily_dataset(report).export("csv") + "\r\n" + steps_dataset(report).export("csv")


def daily_chart(report: SequenceReport) -> str:
    """Sent, opened, clicked, converted per day, as inline SVG (no script)."""
    chart = pygal.Line(height=300, show_dots=False, x_label_rotation=30, js=[], disable_xml_declaration=True,
                       show_minor_x_labels=False, x_labels_major_every=max(1, len(report.days) // 10))
    chart.title = _("Per day")
    chart.x_labels = [day.isoformat() for day in report.days]
    for name in SERIES:
        chart.add(str(SERIES_LABELS[name]), [figures.counts[name] for figures in report.days.values()])
    return chart.render(is_unicode=True)


def funnel_chart(report: SequenceReport) -> str:
    chart = pygal.HorizontalBar(height=60 + 40 * (1 + len(report.steps)), js=[], disable_xml_declaration=True)
    chart.title = _("Funnel")
    chart.x_labels = [_("Entered"), *(str(row.step) for row in report.steps)]
    chart.add(str(SERIES_LABELS["sent"]), [report.entered, *(row.current.sent for row in report.steps)])
    for name in SERIES[1:]:
        chart.add(str(SERIES_LABELS[name]), [None, *(row.current.counts[name] for row in report.steps)])
    return chart.render(is_unicode=True)
