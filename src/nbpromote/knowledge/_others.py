"""Smaller libraries: category_encoders, UMAP, pickling/loading modules, sqlite, standard I/O."""

from __future__ import annotations

from ._model import Library, names

CATEGORY_ENCODERS = Library(
    name="category_encoders",
    roots=frozenset({"category_encoders"}),
    transformers=names("""
        TargetEncoder CatBoostEncoder WOEEncoder MEstimateEncoder LeaveOneOutEncoder JamesSteinEncoder
        GLMMEncoder QuantileEncoder SummaryEncoder OrdinalEncoder OneHotEncoder BinaryEncoder CountEncoder
        HashingEncoder BaseNEncoder HelmertEncoder SumEncoder BackwardDifferenceEncoder PolynomialEncoder
    """),
    column_changing=names("OneHotEncoder BinaryEncoder HashingEncoder BaseNEncoder HelmertEncoder SumEncoder "
                          "BackwardDifferenceEncoder PolynomialEncoder"),
    vocabulary=names("OrdinalEncoder OneHotEncoder BinaryEncoder BaseNEncoder HelmertEncoder SumEncoder "
                     "BackwardDifferenceEncoder PolynomialEncoder"),
    target_encoders=names("""
        TargetEncoder CatBoostEncoder WOEEncoder MEstimateEncoder LeaveOneOutEncoder JamesSteinEncoder
        GLMMEncoder QuantileEncoder SummaryEncoder
    """),
)

UMAP = Library(name="umap", roots=frozenset({"umap"}), transformers=names("UMAP"),
               column_changing=names("UMAP"), random_state_classes=names("UMAP"))

#: seaborn's example data: ``sns.load_dataset('tips')`` returns a frame of rows.
SEABORN = Library(name="seaborn", roots=frozenset({"seaborn"}), datasets=names("load_dataset"))

#: Optimisers that call a notebook's objective once per trial: Optuna's ``study.optimize(objective)``,
#: hyperopt's ``fmin(fn=objective)``, scikit-optimize's ``gp_minimize(objective, space)``.
OBJECTIVE_RUNNERS = names("optimize fmin gp_minimize forest_minimize gbrt_minimize dummy_minimize")

#: ``load``/``open`` count as reads only from these modules (``json.load(f)`` reads a handle).
LOAD_MODULES = names("numpy joblib torch pickle dill h5py builtins cloudpickle")
#: Other reading functions, wherever they come from.
GENERIC_READERS = names("load_workbook imread read_text read_bytes")
