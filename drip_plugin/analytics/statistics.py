"""Statistics for experiments and holdouts: pure functions over counts.

Each arm is summarised by its recipients `n`, the sum of the metric and the
sum of its squares (for a 0/1 metric — opened, clicked, converted — both sums
are the number of successes), so the figures come from a few aggregates and
never from rows.

The procedure (README, "Experiments"):

* Fixed horizon. An editor sets the recipients per variant (the horizon)
  before the test runs. Until every arm has reached it, there is no verdict,
  only "too early"; looking at the report after every thousand recipients is
  therefore harmless: the test is read once, at the horizon, and that first
  reading is recorded (analytics/experiments.py) so later looks cannot change
  it.
* The test at the horizon: each challenger against the control (variant A).
  Proportions: the two-proportion z-test with pooled variance (the same p value
  as Pearson's chi-square on the 2×2 table) and a Wald interval for the
  difference with unpooled variances. Revenue per recipient: Welch's t-test
  and interval. With several challengers the level is Bonferroni-corrected
  (α divided by the number of challengers).
* A winner is declared when a difference is significant at the chosen
  confidence: the best challenger that beats the control, or the control when
  it beats every challenger.

The confidence printed in a sentence is 1 − p (two-sided), the "±" is the
half-width of the interval at the chosen confidence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Arm:
    label: str
    n: int
    total: float  # sum of the metric (successes for a 0/1 metric)
    total_squares: float  # sum of its squares (= total for a 0/1 metric)

    @classmethod
    def binary(cls, label: str, n: int, successes: int) -> Arm:
        return cls(label, n, successes, successes)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """The sample variance (n − 1 denominator)."""
        if self.n < 2:
            return 0.0
        return max(self.total_squares - self.n * self.mean ** 2, 0.0) / (self.n - 1)


@dataclass(frozen=True)
class Comparison:
    """`challenger` − `control`: the difference of means, its interval at
    `level`, and the two-sided p value of "no difference"."""
    control: Arm
    challenger: Arm
    difference: float
    low: float
    high: float
    p_value: float
    level: float

    @property
    def margin(self) -> float:
        return (self.high - self.low) / 2

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - self.level


def compare_proportions(control: Arm, challenger: Arm, level: float = 0.95) -> Comparison:
    """Two-proportion z-test (pooled) and the Wald interval of the difference (unpooled)."""
    p1, p2 = control.mean, challenger.mean
    difference = p2 - p1
    pooled = (control.total + challenger.total) / (control.n + challenger.n)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / challenger.n))
    p_value = 2 * stats.norm.sf(abs(difference) / se_pooled) if se_pooled else 1.0
    se = math.sqrt(p1 * (1 - p1) / control.n + p2 * (1 - p2) / challenger.n)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    return Comparison(control, challenger, difference, difference - z * se, difference + z * se, float(p_value), level)


def compare_means(control: Arm, challenger: Arm, level: float = 0.95) -> Comparison:
    """Welch's t-test and interval (unequal variances), e.g. revenue per recipient."""
    difference = challenger.mean - control.mean
    v1, v2 = control.variance / control.n, challenger.variance / challenger.n
    se = math.sqrt(v1 + v2)
    if not se:
        return Comparison(control, challenger, difference, difference, difference, 1.0 if not difference else 0.0,
                          level)
    dof = (v1 + v2) ** 2 / (v1 ** 2 / (control.n - 1) + v2 ** 2 / (challenger.n - 1))
    p_value = 2 * stats.t.sf(abs(difference) / se, dof)
    t = stats.t.ppf(1 - (1 - level) / 2, dof)
    return Comparison(control, challenger, difference, difference - t * se, difference + t * se, float(p_value), level)


@dataclass(frozen=True)
class Verdict:
    ready: bool  # every arm reached the horizon
    winner: str  # "" when none
    comparisons: list[Comparison]
    sentence: str


METRIC_NAMES = {"open": "opens", "click": "clicks", "conversion": "conversions", "revenue": "revenue per recipient"}


def _amount(comparison: Comparison, metric: str, currency: str = "") -> str:
    if metric == "revenue":
        unit = f" {currency}" if currency else ""
        return f"{comparison.difference:+.2f}{unit} ± {comparison.margin:.2f} per recipient"
    return f"{100 * comparison.difference:+.1f} pts ± {100 * comparison.margin:.1f}"


def _confidence(comparison: Comparison) -> str:
    # Floor, so "95 %" is never printed for a p of 0.051.
    return f"{math.floor(100 * (1 - comparison.p_value)):d} % confidence"


def decide(arms: list[Arm], metric: str, *, horizon: int, confidence: float, currency: str = "") -> Verdict:
    """The verdict of an experiment whose first arm is the control.

    No verdict before every arm has `horizon` recipients (fixed horizon);
    `confidence` is e.g. 0.95, Bonferroni-corrected over the challengers;
    `currency` names the unit of a revenue metric.
    """
    control, challengers = arms[0], arms[1:]
    name = METRIC_NAMES[metric]
    smallest = min(arm.n for arm in arms)
    if smallest < horizon:
        return Verdict(False, "", [], f"Too early: {smallest:,} of {horizon:,} recipients per variant so far; "
                                      f"the test is read once, when every variant has {horizon:,}.")
    level = 1 - (1 - confidence) / len(challengers)
    compare = compare_means if metric == "revenue" else compare_proportions
    comparisons = [compare(control, challenger, level) for challenger in challengers]
    better = [c for c in comparisons if c.significant and c.difference > 0]
    if better:
        best = max(better, key=lambda c: c.difference)
        return Verdict(True, best.challenger.label, comparisons,
                       f"{best.challenger.label} beats {control.label} on {name}: {_amount(best, metric, currency)}, "
                       f"{_confidence(best)}.")
    if all(c.significant and c.difference < 0 for c in comparisons):
        best = min(comparisons, key=lambda c: -c.difference)
        others = ", ".join(c.challenger.label for c in comparisons)
        return Verdict(True, control.label, comparisons,
                       f"{control.label} beats {others} on {name}: {_amount(best, metric, currency).lstrip('+-')} or more, "
                       f"{_confidence(best)}.")
    closest = min(comparisons, key=lambda c: c.p_value)
    return Verdict(True, "", comparisons,
                   f"No winner on {name}: {closest.challenger.label} vs {control.label} {_amount(closest, metric, currency)}, "
                   f"{_confidence(closest)} (needs {100 * confidence:.0f} %).")


@dataclass(frozen=True)
class Lift:
    """Sent minus holdout: goal conversion (proportion) and revenue per contact."""
    conversion: Comparison | None
    revenue: Comparison | None
    currency: str = ""  # of the revenue

    def sentences(self) -> list[str]:
        lines = []
        if self.conversion:
            c = self.conversion
            lines.append(f"Goal conversion: {100 * c.challenger.mean:.1f} % sent vs {100 * c.control.mean:.1f} % "
                         f"holdout, lift {100 * c.difference:+.1f} pts ({100 * c.low:+.1f} to {100 * c.high:+.1f}, "
                         f"{100 * c.level:.0f} % interval).")
        if self.revenue:
            r = self.revenue
            label = f"Revenue per contact ({self.currency})" if self.currency else "Revenue per contact"
            lines.append(f"{label}: {r.challenger.mean:.2f} sent vs "
                         f"{r.control.mean:.2f} holdout, lift {r.difference:+.2f} ({r.low:+.2f} to {r.high:+.2f}, "
                         f"{100 * r.level:.0f} % interval).")
        return lines


def holdout_lift(holdout: Arm, sent: Arm, revenue_holdout: Arm | None = None, revenue_sent: Arm | None = None,
                 level: float = 0.95, currency: str = "") -> Lift:
    """The lift of sending over holding out (revenue in `currency`); None parts when a group is empty."""
    if not (holdout.n and sent.n):
        return Lift(None, None)
    revenue = (compare_means(revenue_holdout, revenue_sent, level)
               if revenue_holdout and revenue_sent and revenue_holdout.n > 1 and revenue_sent.n > 1 else None)
    return Lift(compare_proportions(holdout, sent, level), revenue, currency)
