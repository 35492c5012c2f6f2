"""Issue 21, point 1: the statistics equal reference values (scipy, and
Newcombe's published worked example)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from drip_plugin.analytics.statistics import Arm, compare_means, compare_proportions, decide, holdout_lift


def test_point1_proportion_p_value_equals_scipy_chi_square_without_correction():
    control, challenger = Arm.binary("A", 10_000, 300), Arm.binary("B", 10_000, 371)
    chi2, p_value, _, _ = stats.chi2_contingency([[300, 9_700], [371, 9_629]], correction=False)
    assert compare_proportions(control, challenger).p_value == pytest.approx(p_value, rel=1e-9)


def test_point1_proportion_interval_equals_newcombe_1998_wald_example():
    # Newcombe, Statistics in Medicine 17:873 (1998), table II, example (a): 56/70 vs 48/80, method 1 (Wald).
    comparison = compare_proportions(Arm.binary("A", 80, 48), Arm.binary("B", 70, 56))
    assert comparison.difference == pytest.approx(0.2)
    assert (round(comparison.low, 4), round(comparison.high, 4)) == (0.0575, 0.3425)


def test_point1_welch_test_and_interval_equal_scipy_on_raw_revenue():
    rng = np.random.default_rng(21)
    control_values = rng.exponential(20, 400) * (rng.random(400) < 0.3)
    challenger_values = rng.exponential(24, 500) * (rng.random(500) < 0.3)

    def arm(label, values):
        return Arm(label, len(values), float(values.sum()), float((values ** 2).sum()))

    comparison = compare_means(arm("A", control_values), arm("B", challenger_values), level=0.9)
    reference = stats.ttest_ind(challenger_values, control_values, equal_var=False)
    interval = reference.confidence_interval(0.9)
    assert comparison.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert (comparison.low, comparison.high) == (pytest.approx(interval.low, rel=1e-9),
                                                 pytest.approx(interval.high, rel=1e-9))


def test_point1_verdict_sentence_reads_the_comparison():
    verdict = decide([Arm.binary("A", 10_000, 300), Arm.binary("B", 10_000, 400)], "click",
                     horizon=10_000, confidence=0.95)
    comparison = verdict.comparisons[0]
    assert verdict.winner == "B"
    assert verdict.sentence == (f"B beats A on clicks: +1.0 pts ± {100 * comparison.margin:.1f}, "
                                f"{int(100 * (1 - comparison.p_value))} % confidence.")


def test_point1_no_verdict_before_the_horizon():
    verdict = decide([Arm.binary("A", 999, 10), Arm.binary("B", 1_200, 90)], "click", horizon=1_000, confidence=0.95)
    assert (verdict.ready, verdict.winner) == (False, "")
    assert verdict.sentence.startswith("Too early: 999 of 1,000 recipients per variant")


def test_point1_several_challengers_are_bonferroni_corrected():
    arms = [Arm.binary("A", 5_000, 150), Arm.binary("B", 5_000, 190), Arm.binary("C", 5_000, 150),
            Arm.binary("D", 5_000, 150)]
    verdict = decide(arms, "open", horizon=5_000, confidence=0.95)
    b = verdict.comparisons[0]
    assert 0.05 / 3 < b.p_value < 0.05  # significant alone, not among three challengers
    assert verdict.winner == "" and b.level == pytest.approx(1 - 0.05 / 3)


def test_point1_holdout_lift_is_sent_minus_holdout():
    lift = holdout_lift(Arm.binary("holdout", 1_000, 50), Arm.binary("sent", 9_000, 540))
    assert lift.conversion.difference == pytest.approx(0.01)
    chi2, p_value, _, _ = stats.chi2_contingency([[50, 950], [540, 8_460]], correction=False)
    assert lift.conversion.p_value == pytest.approx(p_value)
