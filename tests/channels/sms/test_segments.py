"""Issue 25: segment counting matches the provider's rules for GSM-7,
extended characters and UCS-2 (emoji): GSM 03.38's tables, 160/153 septets,
70/67 UTF-16 units, and no character cut across two segments (as Twilio
documents in its glossary and bills, per its segment calculator's issues)."""
from __future__ import annotations

import pytest

from drip_plugin.channels.sms.segments import GSM_BASIC, GSM_EXTENSION, Segments, count_segments

from .segment_cases import HELLO_WORLD_EMOJI, ISSUE_18_TEXT, ISSUE_57_TEXT


def test_point_segment_counting_gsm7():
    # Twilio's glossary ("What is the SMS character limit?"): a 161-character
    # message goes as two, one of 153 characters and one of 8.
    assert count_segments("a" * 161) == Segments("GSM-7", 161, 161, 2, 153 - 8)
    # Alibaba Cloud's worked example: 350 characters are 153 + 153 + 44.
    assert count_segments("x" * 350) == Segments("GSM-7", 350, 350, 3, 153 - 44)
    # Accented letters of the basic table (é è ù ì ò Ç Ä Ö Ñ Ü ä ö ñ ü à ß) and
    # Greek capitals stay GSM-7, one septet each.
    assert count_segments("Café à Zürich, Ça ira: £5 @ ΔΩ_§¿¡").encoding == "GSM-7"
    assert len(GSM_BASIC) == 127 and set(GSM_BASIC).isdisjoint(GSM_EXTENSION)  # 128 codes, one of them the escape
    assert count_segments("") == Segments("GSM-7", 0, 0, 0, 160)


def test_point_segment_counting_gsm7_boundaries():
    assert count_segments("a" * 160) == Segments("GSM-7", 160, 160, 1, 0)
    assert count_segments("a" * 161).segments == 2
    assert count_segments("a" * 153 * 2) == Segments("GSM-7", 306, 306, 2, 0)
    assert count_segments("a" * (153 * 2 + 1)) == Segments("GSM-7", 307, 307, 3, 152)
    assert count_segments("a" * 153 * 3).segments == 3


def test_point_segment_counting_extended_characters():
    # Each of € [ ] { } ^ ~ | \ and form feed is the escape plus a septet: 2.
    for character in "€[]{}^~|\\\f":
        assert count_segments(character) == Segments("GSM-7", 1, 2, 1, 158), repr(character)
    assert count_segments("€" * 80) == Segments("GSM-7", 80, 160, 1, 0)
    assert count_segments("a" * 159 + "€") == Segments("GSM-7", 160, 161, 2, 153 - 8)
    # The escape and its character never go into two segments: with 152
    # septets in the first segment, a € moves whole to the second.
    assert count_segments("a" * 152 + "€" + "a" * 10) == Segments("GSM-7", 163, 164, 2, 153 - 12)
    # TwilioDevEd/message-segment-calculator issue #39: 153 "]" (306 septets)
    # went out through Twilio as 3 segments of at most 152 septets, not 2.
    assert count_segments("]" * 153) == Segments("GSM-7", 153, 306, 3, 153 - 2)
    # Not in GSM 03.38: the backtick, lower-case ç, smart quotes.
    for text in ("`", "ç", "“quoted”"):
        assert count_segments(text).encoding == "UCS-2", text


def test_point_segment_counting_ucs2_emoji():
    # An emoji is outside the BMP: 2 UTF-16 units (a surrogate pair).
    assert count_segments("😀") == Segments("UCS-2", 1, 2, 1, 68)
    # The calculator's own example (PR #54): 15 code points, 17 units, 1 segment.
    assert count_segments(HELLO_WORLD_EMOJI) == Segments("UCS-2", 15, 17, 1, 70 - 17)
    # Issue #18: 86 units, 2 segments as Twilio sent it; an extension
    # character is 1 unit in UCS-2, not 2.
    assert count_segments(ISSUE_18_TEXT) == Segments("UCS-2", 85, 86, 2, 67 - (86 - 67))
    # Issue #57: one ∞ makes the whole text UCS-2, 70 units, still 1 segment.
    assert count_segments(ISSUE_57_TEXT) == Segments("UCS-2", 70, 70, 1, 0)
    # A surrogate pair never goes into two segments: after 66 units, an emoji
    # moves whole to the second segment.
    assert count_segments("ç" * 66 + "😀" + "ç" * 10) == Segments("UCS-2", 77, 78, 2, 67 - 12)
    assert count_segments("ç" * 66 + "😀") == Segments("UCS-2", 67, 68, 1, 2)  # alone in one segment: 70 fit
    # A family emoji is 5 code points (3 people, 2 zero-width joiners), 8 units.
    assert count_segments("👨‍👩‍👧") == Segments("UCS-2", 5, 8, 1, 62)


def test_point_segment_counting_ucs2_boundaries():
    assert count_segments("ç" * 70) == Segments("UCS-2", 70, 70, 1, 0)
    assert count_segments("ç" * 71) == Segments("UCS-2", 71, 71, 2, 67 - 4)
    assert count_segments("ç" * 67 * 2) == Segments("UCS-2", 134, 134, 2, 0)
    assert count_segments("ç" * (67 * 2 + 1)) == Segments("UCS-2", 135, 135, 3, 66)
    assert count_segments("😀" * 35) == Segments("UCS-2", 35, 70, 1, 0)
    # 36 emoji: 33 fill 66 units of the first segment, the 34th moves on.
    assert count_segments("😀" * 36) == Segments("UCS-2", 36, 72, 2, 67 - 6)


@pytest.mark.parametrize("text", ["line\nbreak", "line\rbreak", "a\fb"])
def test_point_segment_counting_control_characters_of_the_tables(text):
    # LF and CR are basic septets, form feed an extended one.
    counted = count_segments(text)
    assert counted.encoding == "GSM-7" and counted.units == len(text) + text.count("\f")
