"""The shape of one library's table: :class:`Library`, plain frozen sets and dicts of names.

Names are matched on the last dotted component (``sklearn.preprocessing.StandardScaler`` and a bare
``StandardScaler`` are the same class), which is what notebooks' import styles make reliable; ``roots``
says which top-level modules the library's functions live under, for names too common to match
bare (``load``, ``train``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Library", "Returns"]

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Returns:
    """How many values a call returns when unpacked: ``arity`` by default, ``when`` a keyword is true.

    ``per_input`` means "this many values per positional data argument" (``train_test_split(X, y)``
    returns four). ``names`` labels the values in order when it is known (``("X", "y", "coef")``).
    """

    arity: int
    when: tuple[tuple[str, int], ...] = ()
    per_input: bool = False
    names: tuple[str, ...] = ()

    def count(self, true_keywords: set[str], inputs: int = 1) -> int:
        """The number of values returned, given the keywords passed as true and the data inputs."""
        arity = self.arity
        for keyword, value in self.when:
            if keyword in true_keywords:
                arity = value
        return arity * max(inputs, 1) if self.per_input else arity


@dataclass(frozen=True)
class Library:
    """What one library's API does to rows of data.

    Every field is a set of names (class names start upper-case, function and method names lower),
    so teaching the analysis a new library is a new table, not code in every rule.

    Attributes
    ----------
    name : str
        The library (``"sklearn"``).
    roots : frozenset of str
        Top-level import names (``{"sklearn"}``; ``{"keras", "tensorflow"}``).
    models : frozenset of str
        Classes that learn a prediction from rows (``fit`` then ``predict``/``score``).
    transformers : frozenset of str
        Classes that learn statistics over the rows they are fit on and transform data with them.
    stateless : frozenset of str
        Transformers that learn nothing from the rows (or only the label space).
    vocabulary : frozenset of str
        Transformers that learn only which categories occur (one-hot, ordinal encoders): fitting
        them on all rows reveals no statistic of the held-out values.
    target_encoders : frozenset of str
        Transformers fit with the target that replace a category by a statistic of the target over
        the rows they were fit on (target/WOE/leave-one-out encoders): rows they were fit on carry
        their own label into their features.
    column_changing : frozenset of str
        Transformers whose output columns are not their input's.
    oversamplers, undersamplers : frozenset of str
        Resamplers that duplicate/synthesise rows, or drop rows.
    clusterers : frozenset of str
        Unsupervised models; their metrics on the fitted rows are not a held-out evaluation.
    splitters : frozenset of str
        Cross-validation / hold-out splitter classes (``.split`` yields index pairs).
    shuffling_splitters : frozenset of str
        Splitters that always shuffle.
    searches, pipelines : frozenset of str
        Hyper-parameter searches (fit = choose by internal CV); composites of steps.
    wrappers : frozenset of str
        Classes whose first argument is a model they wrap without becoming another model
        (yellowbrick's ``ConfusionMatrix(model)``): calling ``fit``/``score`` on them is the model's.
    incremental : frozenset of str
        Models whose second ``fit`` continues training instead of starting over (Keras).
    fit_methods, transform_methods, predict_methods, score_methods : frozenset of str
        Method names that learn from rows, apply what was learned, predict, or compute a score from
        data and labels.
    fit_functions : frozenset of str
        Module functions that train and return a model from data (``xgboost.train``).
    metrics : frozenset of str
        Functions computing a score from labels and predictions (``accuracy_score(y_true, y_pred)``).
    cluster_metrics : frozenset of str
        Metrics of a clustering on its own data (``silhouette_score(X, labels)``).
    cv_functions : frozenset of str
        Functions that cross-validate an estimator on data (each fold is a held-out evaluation).
    split_functions : frozenset of str
        Functions that split rows into train and test (``train_test_split``).
    readers : frozenset of str
        Functions/methods that read data from a file or database.
    random_draws : frozenset of str
        Functions drawing from the library's global random state (``np.random.rand``).
    rng_factories : frozenset of str
        Constructors of a random generator object (seeded by their first argument).
    random_state_classes, random_state_functions : frozenset of str
        Classes/functions whose results depend on ``random_state`` (unseeded when it is not given).
    seeders : frozenset of str
        Functions setting the library's global seed.
    row_statistics : frozenset of str
        Functions/methods computing one statistic over all rows (``mean``, ``quantile``).
    rowwise_statistics : frozenset of str
        Functions returning one value per row computed with statistics over all rows (``scale``,
        ``zscore``, ``qcut``).
    datasets : frozenset of str
        Loader/generator functions returning data (``load_iris``, ``make_classification``).
    returns : dict of str to Returns
        Calls returning several values, with their arity.
    monitor_keywords : frozenset of str
        ``fit`` keywords naming data evaluated while training (``eval_set``, ``validation_data``).
    early_stopping_keywords : frozenset of str
        Keywords (of the constructor or ``fit``) that make those data choose the model.
    early_stopping_callbacks : frozenset of str
        Callback classes with the same effect (``EarlyStopping``).
    construct_fits : frozenset of str
        Classes that learn from the rows given to their constructor (gensim's ``Word2Vec(sentences)``).
    signatures : dict of str to tuple of str
        Positional parameter names of fit functions whose data arguments are often passed by
        position (``xgb.train(params, dtrain, 100, watchlist)``), so they read as keywords.
    split_methods : frozenset of str
        Methods of a data frame returning disjoint random parts of its rows, in order
        (H2O's ``frame.split_frame([0.6, 0.2])``, Spark's ``df.randomSplit([0.8, 0.2])``).
    data_keywords : frozenset of str
        Keywords of fit/predict/score methods naming the data when it is not the first argument
        (H2O's ``model.train(x=cols, y='label', training_frame=train)``).
    comparators : frozenset of str
        Classes whose ``fit(X_train, X_test, y_train, y_test)`` trains many models on the first pair
        and scores every one on the second (lazypredict's ``LazyClassifier``): one call compares
        models on that test set.
    """

    name: str
    roots: frozenset[str]
    models: frozenset[str] = _EMPTY
    transformers: frozenset[str] = _EMPTY
    stateless: frozenset[str] = _EMPTY
    vocabulary: frozenset[str] = _EMPTY
    target_encoders: frozenset[str] = _EMPTY
    column_changing: frozenset[str] = _EMPTY
    oversamplers: frozenset[str] = _EMPTY
    undersamplers: frozenset[str] = _EMPTY
    clusterers: frozenset[str] = _EMPTY
    splitters: frozenset[str] = _EMPTY
    shuffling_splitters: frozenset[str] = _EMPTY
    searches: frozenset[str] = _EMPTY
    pipelines: frozenset[str] = _EMPTY
    wrappers: frozenset[str] = _EMPTY
    incremental: frozenset[str] = _EMPTY
    fit_methods: frozenset[str] = _EMPTY
    transform_methods: frozenset[str] = _EMPTY
    predict_methods: frozenset[str] = _EMPTY
    score_methods: frozenset[str] = _EMPTY
    fit_functions: frozenset[str] = _EMPTY
    metrics: frozenset[str] = _EMPTY
    cluster_metrics: frozenset[str] = _EMPTY
    cv_functions: frozenset[str] = _EMPTY
    split_functions: frozenset[str] = _EMPTY
    readers: frozenset[str] = _EMPTY
    random_draws: frozenset[str] = _EMPTY
    rng_factories: frozenset[str] = _EMPTY
    random_state_classes: frozenset[str] = _EMPTY
    random_state_functions: frozenset[str] = _EMPTY
    seeders: frozenset[str] = _EMPTY
    row_statistics: frozenset[str] = _EMPTY
    rowwise_statistics: frozenset[str] = _EMPTY
    datasets: frozenset[str] = _EMPTY
    returns: dict[str, Returns] = field(default_factory=dict)
    monitor_keywords: frozenset[str] = _EMPTY
    early_stopping_keywords: frozenset[str] = _EMPTY
    early_stopping_callbacks: frozenset[str] = _EMPTY
    construct_fits: frozenset[str] = _EMPTY
    signatures: dict[str, tuple[str, ...]] = field(default_factory=dict)
    split_methods: frozenset[str] = _EMPTY
    data_keywords: frozenset[str] = _EMPTY
    comparators: frozenset[str] = _EMPTY


def names(text: str) -> frozenset[str]:
    """``names("a b  c")`` -> ``frozenset({"a", "b", "c"})``: tables stay readable as text."""
    return frozenset(text.split())
