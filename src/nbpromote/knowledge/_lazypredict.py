"""lazypredict: one call fits and scores a few dozen scikit-learn style models.

``LazyClassifier(...).fit(X_train, X_test, y_train, y_test)`` trains every model it knows on
``X_train``/``y_train``, scores each on ``X_test``/``y_test`` and returns the leaderboard (and the
predictions): the test set is used to compare models, as a loop over candidates would.
"""

from __future__ import annotations

from ._model import Library, names

LAZYPREDICT = Library(
    name="lazypredict",
    roots=frozenset({"lazypredict"}),
    models=names("LazyClassifier LazyRegressor"),
    comparators=names("LazyClassifier LazyRegressor"),
    fit_methods=names("fit"),
    predict_methods=names("predict"),
)
