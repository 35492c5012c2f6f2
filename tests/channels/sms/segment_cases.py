"""Texts whose counts Python (segments.py) and the editor's script
(sms_counter.js) must agree on: tests/browser/test_sms_editor.py feeds them
all to the script and compares with count_segments."""
from __future__ import annotations

from drip_plugin.channels.sms.segments import GSM_BASIC, GSM_EXTENSION

# Published worked examples (test_segments.py says where each comes from).
ISSUE_18_TEXT = "this is a " + "]" * 74 + "😘"
ISSUE_57_TEXT = "||||||||||||||||||||||||{||||||||||||||||||||||||||||∞||||||||||^|||||"
HELLO_WORLD_EMOJI = "👋 Hello World 🌍"

BOUNDARIES = [
    "", "a", "a" * 160, "a" * 161, "a" * 306, "a" * 307, "a" * 459, "a" * 460,
    "é" * 70, "ç" * 70, "ç" * 71, "ç" * 134, "ç" * 135, "😀" * 35, "😀" * 36,
    "€" * 80, "€" * 81, "a" * 159 + "€", "a" * 152 + "€" + "a" * 10, "a" * 153 + "€" * 2,
    "]" * 153, "ç" * 66 + "😀", "ç" * 66 + "😀" + "ç" * 10, "ç" * 67 + "😀" + "ç" * 10,
]
TRICKY = [
    GSM_BASIC, GSM_EXTENSION, GSM_BASIC + GSM_EXTENSION + "😀", "line\nbreak", "line\r\nbreak", "form\ffeed",
    "`backtick`", "Ça va ?", "ça va ?", "e\u0301", "👨‍👩‍👧", "👍🏽", "“smart quotes”", "Привет", "中文短信",
    "Hi {{ contact.first_name }}, your cart: {{ cart.restore_url }}", "\u00a0", "ı", "\U0001d400",
]
CASES = BOUNDARIES + TRICKY + [ISSUE_18_TEXT, ISSUE_57_TEXT, HELLO_WORLD_EMOJI]
