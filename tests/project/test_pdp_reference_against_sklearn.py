"""The reference ``pdp.py`` equals scikit-learn's brute-force partial dependence within 1e-8
on the Boston fixture models, needs few ``predict`` calls, and leaves ``X`` alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import partial_dependence

from autograder.engine.grading import FIXTURES
from autograder.loading import load_module
from tests.project.editing import SOLUTIONS

PDP = FIXTURES / "pdp"
TOLERANCE = 1e-8  # the hidden checks' tolerance; measured differences are below 2e-14


@pytest.fixture(scope="module")
def boston():
    return load_module(PDP / "boston.py", "_pdp_boston")


@pytest.fixture(scope="module")
def reference():
    return load_module(SOLUTIONS / "xai_lab" / "pdp.py", "_pdp_reference")


def _sklearn(model, X, features, **kwargs):
    result = partial_dependence(model, X, features, method="brute", kind="average", **kwargs)
    return [*result["grid_values"], result["average"][0]]


@pytest.mark.parametrize("model_name", ["linear", "interaction", "forest", "boosting"])
@pytest.mark.parametrize("feature, kwargs", [("LSTAT", {}), ("RM", {"percentiles": (0.1, 0.9)}),
                                             ("RAD", {"grid_resolution": 20}), ("LSTAT", {"grid_resolution": 200})])
def test_1d_equals_sklearn_brute_force(boston, reference, model_name, feature, kwargs):
    model = boston.load_model(PDP / f"{model_name}.joblib")
    X = boston.check_rows()
    ours = reference.partial_dependence_1d(model, X, feature, **kwargs)
    theirs = _sklearn(model, X, [feature], **{"grid_resolution": 50, **kwargs})
    for mine, expected in zip(ours, theirs):
        assert mine.shape == expected.shape
        np.testing.assert_allclose(mine, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("model_name", ["linear", "interaction", "forest", "boosting"])
def test_2d_equals_sklearn_brute_force_on_frames_and_arrays(boston, reference, model_name):
    X = boston.check_rows()
    theirs = _sklearn(boston.load_model(PDP / f"{model_name}.joblib"), X, ["RM", "LSTAT"], grid_resolution=15)
    for data, features, as_array in ((X, ["RM", "LSTAT"], False), (X.to_numpy(), [5, 11], True)):
        model = boston.load_model(PDP / f"{model_name}.joblib", as_array=as_array)
        ours = reference.partial_dependence_2d(model, data, features, grid_resolution=15)
        for mine, expected in zip(ours, theirs):
            assert mine.shape == expected.shape
            np.testing.assert_allclose(mine, expected, rtol=0, atol=TOLERANCE)


class CountingModel:
    """A model that records how many rows each ``predict`` call gets."""

    def __init__(self, model):
        self.model, self.rows = model, []

    def predict(self, X):
        self.rows.append(len(X))
        return self.model.predict(X)


def test_default_2d_grid_needs_few_bounded_predict_calls(boston, reference):
    X = boston.check_rows()
    model = CountingModel(boston.load_model(PDP / "forest.joblib"))
    reference.partial_dependence_2d(model, X, ["RM", "LSTAT"])
    points_per_call = reference.MAX_ROWS_PER_PREDICT // len(X)
    assert len(model.rows) == math.ceil(50 * 50 / points_per_call) == 2
    assert max(model.rows) <= reference.MAX_ROWS_PER_PREDICT
    assert sum(model.rows) == 50 * 50 * len(X)


def test_chunk_boundaries_do_not_change_the_result(boston, reference, monkeypatch):
    X = boston.check_rows()
    model = boston.load_model(PDP / "boosting.joblib")
    whole = reference.partial_dependence_2d(model, X, ["RM", "LSTAT"], grid_resolution=20)
    monkeypatch.setattr(reference, "MAX_ROWS_PER_PREDICT", 7 * len(X) + 3)  # 7 points per call, 400 points
    chunked = reference.partial_dependence_2d(model, X, ["RM", "LSTAT"], grid_resolution=20)
    np.testing.assert_array_equal(whole[2], chunked[2])


def test_integer_columns_and_inputs_stay_unchanged(boston, reference):
    """The CSV's int64 columns (CHAS, RAD, TAX) are varied as floats; X keeps its dtypes and values."""
    raw = pd.read_csv(PDP / "boston_house_prices.csv", skiprows=1).drop(columns=["B", "MEDV"]).iloc[:60]
    assert (raw.dtypes == np.int64).sum() == 3
    before = raw.copy(deep=True)
    model = boston.load_model(PDP / "boosting.joblib")
    grid, average = reference.partial_dependence_1d(model, raw, "TAX", grid_resolution=10)
    pd.testing.assert_frame_equal(raw, before)
    as_float = reference.partial_dependence_1d(model, raw.astype(np.float64), "TAX", grid_resolution=10)
    np.testing.assert_array_equal(grid, as_float[0])
    np.testing.assert_array_equal(average, as_float[1])
    array = raw.to_numpy(dtype=np.float64)
    array_before = array.copy()
    reference.partial_dependence_2d(boston.load_model(PDP / "linear.joblib", as_array=True), array, [5, 11],
                                    grid_resolution=5)
    np.testing.assert_array_equal(array, array_before)


def test_the_graders_brute_force_truth_is_computed_once_per_grid_and_handed_out_as_copies(boston):
    from autograder.engine import oracles

    request = {"function": "partial_dependence_2d", "model": "forest", "features": ["RM", "LSTAT"]}
    grids = [np.linspace(5.0, 7.5, 4), np.linspace(5.0, 25.0, 3)]
    oracles._TRUTHS.clear()
    first = oracles.pdp_truth(request, FIXTURES, grids)
    assert len(oracles._TRUTHS) == 1
    X = boston.check_rows(PDP / "boston_house_prices.csv", as_array=True)
    model = boston.load_model(PDP / "forest.joblib", as_array=True)
    assert np.array_equal(first["average_at_returned_grid"],
                          _sklearn(model, X, [boston.FEATURES.index("RM"), boston.FEATURES.index("LSTAT")],
                                   custom_values={boston.FEATURES.index("RM"): grids[0],
                                                  boston.FEATURES.index("LSTAT"): grids[1]})[-1])
    first["average_at_returned_grid"][:] = 0.0  # what a check does to its copy stays there
    again = oracles.pdp_truth(request, FIXTURES, [grid.copy() for grid in grids])
    assert len(oracles._TRUTHS) == 1 and not np.array_equal(again["average_at_returned_grid"], first["average_at_returned_grid"])
    # Anything the truth depends on is in the key: the grid, the rows averaged over, the model.
    moved = oracles.pdp_truth(request, FIXTURES, [grids[0] + 0.1, grids[1]])
    subset = oracles.pdp_truth({**request, "rows": list(range(0, len(X), 2))}, FIXTURES, grids)
    boosting = oracles.pdp_truth({**request, "model": "boosting"}, FIXTURES, grids)
    assert len(oracles._TRUTHS) == 4
    for other in (moved, subset, boosting):
        assert not np.allclose(other["average_at_returned_grid"], again["average_at_returned_grid"])


def test_a_truth_that_could_not_be_computed_is_not_kept(monkeypatch):
    from autograder.engine import oracles

    oracles._TRUTHS.clear()
    monkeypatch.setattr(oracles, "_pdp_truth", lambda request, fixtures, grids: {})  # scikit-learn refused or failed
    request = {"function": "partial_dependence_1d", "model": "forest", "feature": "RM"}
    assert oracles.pdp_truth(request, FIXTURES, [np.linspace(5.0, 7.5, 4)]) == {}
    assert not oracles._TRUTHS


ODD_GRIDS = {"sorted": np.linspace(4.0, 30.0, 50), "unsorted": np.array([12.0, 3.5, 30.0, 7.25]),
             "repeated": np.array([9.0, 9.0, 9.0]), "one point": np.array([11.5]),
             "far outside": np.array([-1e6, 1e6])}


@pytest.mark.parametrize("model_name", ["linear", "interaction", "forest", "boosting"])
@pytest.mark.parametrize("rows", [None, "every third", "drawn"])
def test_the_graders_brute_force_truth_is_sklearns_bit_for_bit(boston, model_name, rows):
    """The oracle predicts once for all grid points; scikit-learn's ``partial_dependence(method="brute")``
    once per point. Same numbers, for one and two features and odd grids: to the last bit for the tree
    models (the oracle's only users); the linear models' matrix products round differently in a larger
    block (3.6e-15 measured)."""
    from autograder.engine import oracles

    X = boston.check_rows(PDP / "boston_house_prices.csv", as_array=True)
    if rows == "every third":
        X = X[::3]
    elif rows == "drawn":
        X = X[np.random.default_rng(7).permutation(len(X))[:37]]
    model = boston.load_model(PDP / f"{model_name}.joblib", as_array=True)
    tree = model_name in ("forest", "boosting")

    def same(ours, theirs):
        return np.array_equal(ours, theirs) if tree else np.allclose(ours, theirs, rtol=1e-12, atol=0.0)

    lstat, rm = boston.FEATURES.index("LSTAT"), boston.FEATURES.index("RM")
    for name, grid in ODD_GRIDS.items():
        ours = oracles.brute_force_average(model, X, [lstat], [grid])
        assert same(ours, _sklearn(model, X, [lstat], custom_values={lstat: grid})[-1]), name
    pair = [np.array([5.0, 6.5, 8.0, 5.5]), ODD_GRIDS["unsorted"]]
    ours = oracles.brute_force_average(model, X, [rm, lstat], pair)
    assert ours.shape == (4, 4)
    assert same(ours, _sklearn(model, X, [rm, lstat], custom_values=dict(zip((rm, lstat), pair)))[-1])
