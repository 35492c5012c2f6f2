"""How many SMS segments a text costs: GSM-7 or UCS-2, as the provider counts.

The rules (GSM 03.38 / 3GPP TS 23.038, as Twilio documents them in its
glossary and its message segment calculator):

- A text is GSM-7 when every character is in the basic table (1 septet) or
  the extension table (2 septets: the escape, then the character: € [ ] { }
  ^ ~ | \\ and form feed); otherwise the whole text is UCS-2, counted in
  UTF-16 code units (a character outside the BMP, such as most emoji, is 2).
- One segment holds 160 septets, or 70 UCS-2 units. A longer text is sent
  concatenated: each segment carries a 6-byte header, leaving 153 septets
  (67 units).
- A character is never cut across two segments: an escape and its character
  (an extension character's 2 septets), or the two halves of a surrogate
  pair, go together. So a segment that would end in the middle of one holds
  one unit less, and a text can take one segment more than units / 153: 153
  "]" (306 septets) go as 3 segments, not 2, as Twilio bills it
  (TwilioDevEd/message-segment-calculator issue #39). Code points, not
  grapheme clusters, are the indivisible unit: nothing in the SMS standards
  keeps a cluster (an emoji with a skin tone, a family joined with
  zero-width joiners) in one segment, and Twilio's calculator splitting by
  cluster also makes CR LF a UCS-2 character, which it is not.

drip_plugin/static/drip_plugin/sms_counter.js applies the same rules in the
editor, reading the two tables from the widget (GSM_BASIC, GSM_EXTENSION
here); tests/browser/test_sms_editor.py holds them to the same results.
"""
from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = "\f^{}\\[~]|€"
GSM7, UCS2 = "GSM-7", "UCS-2"
# Units in one segment alone, and in each segment of a concatenated text.
SINGLE = {GSM7: 160, UCS2: 70}
CONCATENATED = {GSM7: 153, UCS2: 67}

_BASIC, _EXTENSION = frozenset(GSM_BASIC), frozenset(GSM_EXTENSION)


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM7 or UCS2
    characters: int  # code points, as the editor sees them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for an empty text
    remaining: int  # units that still fit before another segment is needed


def _units_of(character: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if character in _EXTENSION else 1
    return 2 if ord(character) > 0xFFFF else 1


def count_segments(text: str) -> Segments:
    encoding = GSM7 if all(c in _BASIC or c in _EXTENSION for c in text) else UCS2
    sizes = [_units_of(c, encoding) for c in text]
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return Segments(encoding, len(text), units, 1 if units else 0, SINGLE[encoding] - units)
    capacity = CONCATENATED[encoding]
    segments, filled = 1, 0
    for size in sizes:
        if filled + size > capacity:  # the whole character goes on to the next segment
            segments, filled = segments + 1, 0
        filled += size
    return Segments(encoding, len(text), units, segments, capacity - filled)
