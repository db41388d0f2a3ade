"""Drift statistics against hand-computed values, reference implementations and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon as scipy_js

from nbpromote.errors import MonitorError
from nbpromote.monitor import PSI_EPSILON, Thresholds, chi_square, jensen_shannon, ks, psi
from nbpromote.monitor._columns import cut_counts, quantile_edges


class TestPSI:
    def test_hand_computed_two_bins(self):
        # (0.4-0.5)·ln(0.4/0.5) + (0.6-0.5)·ln(0.6/0.5) = 0.022314 + 0.018232
        assert psi([50, 50], [40, 60]) == pytest.approx(0.0405465, abs=1e-6)

    def test_identical_distributions_are_zero_whatever_the_scale(self):
        assert psi([1, 2, 3], [10, 20, 30]) == 0.0

    def test_empty_bin_uses_the_documented_epsilon(self):
        # reference bin 2 is empty → its proportion becomes 1e-4:
        # (0.9-1)·ln(0.9) + (0.1-1e-4)·ln(0.1/1e-4) = 0.0105361 + 0.6900847
        assert PSI_EPSILON == 1e-4
        assert psi([100, 0], [90, 10]) == pytest.approx(0.7006208, abs=1e-6)

    def test_is_symmetric_in_its_arguments(self):
        assert psi([30, 70], [60, 40]) == pytest.approx(psi([60, 40], [30, 70]))

    @pytest.mark.parametrize("ref, cur, fragment", [
        ([1, 2], [1, 2, 3], "different bins"),
        ([0, 0], [1, 2], "all zero"),
        ([1, 2], [0, 0], "all zero"),
        ([1, -2], [1, 2], "non-negative"),
        ([1, float("nan")], [1, 2], "finite"),
        ([], [], "no bins"),
        ([[1, 2]], [[1, 2]], "1-D"),
    ])
    def test_bad_counts_raise_a_clear_error(self, ref, cur, fragment):
        with pytest.raises(MonitorError, match=fragment):
            psi(ref, cur)


class TestKS:
    def test_hand_computed_statistic_and_asymptotic_pvalue(self):
        result = ks([5, 5], [10, 0])
        assert result.statistic == 0.5
        # Kolmogorov survival at sqrt(10·10/20)·0.5 = 1.118: 2·Σ(-1)^(k-1)·exp(-2k²·1.25)
        lam2 = 1.25
        expected = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam2) for k in range(1, 50))
        assert result.pvalue == pytest.approx(expected, abs=1e-9)

    def test_identical_histograms_have_statistic_zero_and_pvalue_one(self):
        result = ks([3, 4, 5], [6, 8, 10])
        assert result.statistic == 0.0 and result.pvalue == 1.0

    def test_grid_statistic_matches_scipy_exact_within_one_grid_bin(self, rng):
        a = rng.normal(0, 1, 5000)
        b = rng.normal(0.3, 1.2, 4000)
        edges = quantile_edges(np.sort(a), 100)
        ours = ks(cut_counts(np.sort(a), edges), cut_counts(np.sort(b), edges)).statistic
        exact = sps.ks_2samp(a, b).statistic
        assert abs(ours - exact) <= 0.011  # one percentile bin of the reference

    def test_disjoint_supports_give_statistic_one(self):
        assert ks([4, 0], [0, 4]).statistic == 1.0


class TestChiSquare:
    def test_hand_computed(self):
        # expected [[15,5],[15,5]]: 25/15 + 25/5 + 25/15 + 25/5 = 13.333; V = sqrt(13.333/40)
        result = chi_square([10, 10], [20, 0])
        assert result.statistic == pytest.approx(40 / 3)
        assert result.dof == 1
        assert result.cramers_v == pytest.approx(math.sqrt((40 / 3) / 40))
        assert result.pvalue == pytest.approx(sps.chi2.sf(40 / 3, 1))

    def test_matches_scipy_contingency_without_correction(self):
        ref, cur = [120, 60, 20, 0], [100, 70, 25, 5]
        expected = sps.chi2_contingency(np.array([ref, cur])[:, :], correction=False)
        result = chi_square(ref, cur)
        assert result.statistic == pytest.approx(expected.statistic)
        assert result.pvalue == pytest.approx(expected.pvalue)
        assert result.dof == expected.dof

    def test_bins_empty_on_both_sides_are_dropped(self):
        assert chi_square([10, 0, 10], [20, 0, 0]).dof == 1

    def test_single_bin_is_no_evidence(self):
        result = chi_square([5], [9])
        assert (result.statistic, result.pvalue, result.dof, result.cramers_v) == (0.0, 1.0, 0, 0.0)


class TestJensenShannon:
    def test_disjoint_is_one(self):
        assert jensen_shannon([1, 0], [0, 1]) == 1.0

    def test_hand_computed(self):
        # m = (.75,.25); ½·KL(p‖m) + ½·KL(q‖m) = ½(0.207519) + ½(0.415037) = 0.311278
        assert jensen_shannon([0.5, 0.5], [1, 0]) == pytest.approx(math.sqrt(0.311278), abs=1e-6)

    def test_identical_is_zero(self):
        assert jensen_shannon([2, 3, 5], [4, 6, 10]) == 0.0

    def test_matches_scipy(self, rng):
        p, q = rng.integers(0, 50, 12), rng.integers(1, 50, 12)
        assert jensen_shannon(p, q) == pytest.approx(scipy_js(p, q, base=2), abs=1e-12)


class TestThresholds:
    def test_default_levels_follow_the_design(self):
        th = Thresholds()
        assert [th.level("psi", v) for v in (0.0, 0.0999, 0.1, 0.2499, 0.25, 3.0)] == [
            "stable", "stable", "watch", "watch", "act", "act"]

    def test_nothing_measured_is_stable_not_nan(self):
        assert Thresholds().level("ks", None) == "stable"

    def test_coerce_accepts_overrides_and_rejects_unknown_names(self):
        assert Thresholds.coerce({"psi_act": 0.5}).psi_act == 0.5
        assert Thresholds.coerce(None) == Thresholds()
        with pytest.raises(MonitorError, match="unknown threshold"):
            Thresholds.coerce({"psi_max": 1})
        with pytest.raises(MonitorError, match="must be a Thresholds"):
            Thresholds.coerce(0.3)

    @pytest.mark.parametrize("kwargs, fragment", [
        ({"psi_watch": 0.3, "psi_act": 0.2}, "must not exceed"),
        ({"js_act": -1.0}, "finite number"),
        ({"ks_watch": float("nan")}, "finite number"),
    ])
    def test_inconsistent_thresholds_are_refused(self, kwargs, fragment):
        with pytest.raises(MonitorError, match=fragment):
            Thresholds(**kwargs)
