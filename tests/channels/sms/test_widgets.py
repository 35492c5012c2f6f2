"""Issue 25, the SMS editor's counter without a browser: the widget passes
segments.py's tables and limits to its script, renders the first count and
the over-cap warning itself, and stores line breaks as the counter sees them."""
from __future__ import annotations

import html
import json
import re

from django.contrib.staticfiles import finders
from django.test import override_settings

from drip_plugin.channels.sms.segments import CONCATENATED, GSM_BASIC, GSM_EXTENSION, SINGLE
from drip_plugin.channels.sms.widgets import SMSBodyTextarea


def rules_of(rendered: str) -> dict:
    (value,) = re.findall(r'data-drip-sms-counter="([^"]*)"', rendered)
    return json.loads(html.unescape(value))


def test_point_sms_counter_widget_passes_the_python_rules_to_its_script():
    widget = SMSBodyTextarea()
    assert "/static/drip_plugin/sms_counter.js" in str(widget.media)
    assert finders.find("drip_plugin/sms_counter.js"), "an own static file: no CDN, no build step"
    rules = rules_of(widget.render("body", "Hi {{ contact.first_name }}"))
    assert (rules["basic"], rules["extension"]) == (GSM_BASIC, GSM_EXTENSION)
    assert (rules["single"], rules["concatenated"], rules["maxSegments"]) == (SINGLE, CONCATENATED, 3)
    assert set(rules["labels"]) == {"status", "countedAs", "overCap"}


def test_point_sms_counter_widget_renders_the_first_count():
    rendered = html.unescape(SMSBodyTextarea().render("body", "Your cart is waiting: 20 € off"))
    assert "Characters: 30 · GSM-7 · Segments: 1 (129 left in the last one) · counted as 31" in rendered
    assert "{{ contact.first_name }} counts 24 characters here" in rendered, "says merge fields count as written"
    assert re.search(r"data-drip-sms-over-cap role=\"alert\" hidden>\s*</p>", rendered)


@override_settings(DRIP_PLUGIN={"SMS_MAX_SEGMENTS": 1})
def test_point_sms_counter_widget_warns_over_the_cap_setting():
    rendered = html.unescape(SMSBodyTextarea().render("body", "😀" * 36))
    assert rules_of(SMSBodyTextarea().render("body", ""))["maxSegments"] == 1
    assert "Characters: 36 · UCS-2 · Segments: 2 (61 left in the last one) · counted as 72" in rendered
    assert "This SMS takes 2 segments, over the cap of 1 per message: shorten it.</p>" in rendered


def test_point_sms_counter_widget_stores_line_breaks_as_counted():
    # Browsers post a textarea's line breaks as CR LF; its value (what the script counts) has LF.
    value = SMSBodyTextarea().value_from_datadict({"body": "Hi\r\nthere\rbye"}, {}, "body")
    assert value == "Hi\nthere\nbye"
