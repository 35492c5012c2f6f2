"""The machine's load average, printed by every bench: a run started while
the 1-minute load average is above 1.0 is marked "busy" and does not count
(bench/RESULTS.md)."""
from __future__ import annotations

import os

BUSY_ABOVE = 1.0


def describe(label: str = "at start") -> str:
    one, five, fifteen = os.getloadavg()
    busy = " — BUSY (1-min > 1.0): this run does not count" if one > BUSY_ABOVE else " — quiet"
    return f"load average {label}: {one:.2f} {five:.2f} {fifteen:.2f}{busy}"
