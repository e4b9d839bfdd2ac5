"""The ``pdp`` fixtures: provenance of the data, ``B`` dropped, models reproducible from their
script, and the grid definitions far enough apart for the checks' tolerances."""

from __future__ import annotations

import hashlib
import importlib.util
import sys

import numpy as np
import pytest
from scipy.stats.mstats import mquantiles

from autograder.engine.grading import FIXTURES

PDP = FIXTURES / "pdp"
CSV_SHA256 = "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6"  # shared/data/README.md


def _load(name):
    sys.path.insert(0, str(PDP))
    try:
        spec = importlib.util.spec_from_file_location(name, PDP / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PDP))


@pytest.fixture(scope="module")
def boston():
    return _load("boston")


def test_csv_is_the_documented_copy():
    assert hashlib.sha256((PDP / "boston_house_prices.csv").read_bytes()).hexdigest() == CSV_SHA256
    assert CSV_SHA256 in (PDP / "README.md").read_text()


def test_b_is_dropped_and_every_feature_is_float(boston):
    X, y = boston.read_boston()
    assert X.shape == (506, 12) and y.shape == (506,)
    assert "B" not in X.columns and "MEDV" not in X.columns
    assert all(dtype == np.float64 for dtype in X.dtypes)


def test_split_is_seeded_and_disjoint(boston):
    X, y = boston.read_boston()
    X_train, X_test, _, _ = boston.split(X, y)
    assert len(X_test) == boston.TEST_ROWS and len(X_train) + len(X_test) == 506
    rows = {tuple(row) for row in X.to_numpy()}
    assert len(rows) == 506  # no duplicate rows: disjoint rows mean disjoint sets
    assert not {tuple(r) for r in X_train.to_numpy()} & {tuple(r) for r in X_test.to_numpy()}
    np.testing.assert_array_equal(boston.check_rows(), X_test)
    np.testing.assert_array_equal(boston.check_rows(as_array=True), X_test.to_numpy())


def test_make_script_reproduces_the_checked_in_models(boston):
    built = _load("make_models").build()
    X, _ = boston.read_boston()
    assert tuple(built) == boston.MODELS
    for name, model in built.items():
        stored = boston.load_model(PDP / f"{name}.joblib")
        np.testing.assert_array_equal(stored.predict(X), model.predict(X), err_msg=name)


def test_models_without_names_predict_the_same_on_arrays(boston):
    X = boston.check_rows()
    for name in boston.MODELS:
        with_names = boston.load_model(PDP / f"{name}.joblib")
        plain = boston.load_model(PDP / f"{name}.joblib", as_array=True)
        np.testing.assert_array_equal(with_names.predict(X), plain.predict(X.to_numpy()), err_msg=name)


def test_fixture_models_stay_small():
    assert sum((PDP / f"{name}.joblib").stat().st_size for name in ("linear", "interaction", "forest", "boosting")) \
        < 100_000


@pytest.mark.parametrize("feature, percentiles", [("LSTAT", (0.05, 0.95)), ("RM", (0.05, 0.95)),
                                                  ("RM", (0.1, 0.9))])
def test_allowed_quantile_definitions_and_min_max_are_far_apart(boston, feature, percentiles):
    """The checks tell the definitions (and the min/max mistake) apart with a 1e-9 tolerance."""
    values = boston.check_rows()[feature].to_numpy()
    by_mquantiles = mquantiles(values, prob=percentiles)
    by_percentile = np.percentile(values, [100 * p for p in percentiles])
    extremes = np.array([values.min(), values.max()])
    assert np.abs(by_mquantiles - by_percentile).min() >= 0.015
    assert np.abs(by_mquantiles - extremes).min() >= 0.1 and np.abs(by_percentile - extremes).min() >= 0.1


def test_unique_value_rule_cases_sit_where_the_cases_claim(boston):
    rows = boston.check_rows()
    assert rows["RAD"].nunique() == 9  # pdp_1d_rad_unique (20 > 9) and pdp_1d_rad_boundary (9, not fewer)
    assert 50 <= rows["LSTAT"].nunique() < 200  # percentile grid by default, unique values at 200
    assert rows["RM"].nunique() >= 50
