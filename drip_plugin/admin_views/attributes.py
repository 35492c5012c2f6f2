"""A contact's attributes in the admin form: rows of name, type and value
that round-trip into the JSON field (validated like identify())."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from ..exceptions import InvalidEvent
from ..ingest.identify import clean_attributes

TYPES = [("text", _("Text")), ("number", _("Number")), ("date", _("Date")), ("yes_no", _("Yes/no")),
         ("json", _("Other (JSON)"))]
EMPTY_ROWS = 2  # blank rows offered for new attributes


def type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "yes_no"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "date" if parse_date(value) is not None else "text"
    return "json"


def shown(value: Any) -> str:
    kind = type_of(value)
    if kind == "yes_no":
        return "yes" if value else "no"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def typed(name: str, kind: str, text: str) -> Any:
    """The JSON value of one row; ValidationError says which row is wrong."""
    text = text.strip()
    if kind == "text":
        return text
    if kind == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("%(name)s: %(value)r is not a number"), params={"name": name, "value": text})
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(_("%(name)s: %(value)r is not a date (YYYY-MM-DD)"),
                                  params={"name": name, "value": text})
    if kind == "yes_no":
        if text.lower() not in ("yes", "no"):
            raise ValidationError(_("%(name)s: choose yes or no"), params={"name": name})
        return text.lower() == "yes"
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            raise ValidationError(_("%(name)s: %(value)r is not JSON"), params={"name": name, "value": text})
    raise ValidationError(_("%(name)s: unknown type %(kind)r"), params={"name": name, "kind": kind})


class AttributesWidget(forms.Widget):
    """One row per attribute (name, type, value) plus blank rows for new ones;
    a row whose name is cleared is removed."""

    template_name = "drip_plugin/admin/attributes_widget.html"

    def format_value(self, value):
        if isinstance(value, str):  # a bound form's JSON, or rows that did not validate
            try:
                value = json.loads(value)
            except ValueError:
                value = {}
        return value if isinstance(value, (dict, list)) else {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = context["widget"]["value"]
        rows = value if isinstance(value, list) else [
            {"name": key, "type": type_of(item), "value": shown(item)} for key, item in sorted(value.items())]
        context["widget"].update(rows=[*rows, *[{"name": "", "type": "text", "value": ""}] * EMPTY_ROWS],
                                 types=TYPES)
        return context

    def value_omitted_from_data(self, data, files, name) -> bool:
        # A form posted without the rows at all (not one with every row cleared) keeps the attributes.
        return f"{name}-name" not in data

    def value_from_datadict(self, data, files, name):
        names, kinds, values = (data.getlist(f"{name}-{part}") for part in ("name", "type", "value"))
        return [{"name": n.strip(), "type": k, "value": v} for n, k, v in zip(names, kinds, values)
                if n.strip()]


class AttributesField(forms.Field):
    widget = AttributesWidget

    def to_python(self, rows) -> dict[str, Any]:
        if isinstance(rows, dict):
            return rows
        attributes, errors = {}, []
        for row in rows or []:
            try:
                attributes[row["name"]] = typed(row["name"], row["type"], row["value"])
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        try:
            return clean_attributes(attributes)
        except InvalidEvent as exc:
            raise ValidationError(str(exc)) from None

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except ValidationError:
            return True
