"""statsmodels and patsy: formula models (``smf.ols("y ~ x", data=df).fit()``) and design matrices."""

from __future__ import annotations

from ._model import Library, Returns, names

STATSMODELS = Library(
    name="statsmodels",
    roots=frozenset({"statsmodels", "patsy"}),
    models=names("""
        OLS WLS GLS GLSAR GLM Logit Probit MNLogit Poisson NegativeBinomial QuantReg RLM MixedLM
        ARIMA SARIMAX ExponentialSmoothing SimpleExpSmoothing Holt VAR AutoReg UnobservedComponents
        ols wls gls glm logit probit mnlogit poisson negativebinomial quantreg rlm mixedlm
    """),
    fit_methods=names("fit fit_regularized"),
    predict_methods=names("predict forecast get_prediction get_forecast"),
    row_statistics=names("describe"),
    # sm.datasets.get_rdataset('tips').data, sm.datasets.longley.load_pandas().data: example data rows.
    datasets=names("get_rdataset load_pandas"),
    returns={"dmatrices": Returns(2, names=("y", "X"))},
)

#: Functions building design matrices from a formula; ``dmatrices`` returns (y, X).
FORMULA_FUNCTIONS = names("dmatrices dmatrix")
#: statsmodels' formula-API constructors (lower-case) take ``(formula, data)``.
FORMULA_MODELS = names("ols wls gls glm logit probit mnlogit poisson negativebinomial quantreg rlm mixedlm")
