"""Small reproductions, in the style of third-party notebooks, of each class of failure the held-out
analysis found (issue 11): each has a leaking and a clean variant, so a fix cannot pass by silence."""

from __future__ import annotations

from nbpromote.lint import lint_notebook

from .conftest import make_nb

IMPORTS = ("import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
           "from sklearn.model_selection import train_test_split\n"
           "from sklearn.preprocessing import StandardScaler, MinMaxScaler\n"
           "from sklearn.linear_model import LogisticRegression, LinearRegression\n"
           "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.svm import SVC\n"
           "from sklearn.metrics import accuracy_score, r2_score, classification_report")
LOAD = "df = pd.read_csv('churn.csv')\nX = df.drop('Churn', axis=1)\ny = df['Churn']"
SPLIT = "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)"


def rules(*sources: str, tags: list | None = None) -> list[str]:
    return sorted(f.rule for f in lint_notebook(make_nb(*sources, tags=tags)).findings
                  if f.rule not in {"unseeded-randomness"})


def found(*sources: str, tags: list | None = None):
    return lint_notebook(make_nb(*sources, tags=tags)).findings


# --- multi-test -------------------------------------------------------------------------------
def test_a_helper_called_with_several_models_evaluates_several_models():
    helper = ("def log_reg(X_train, y_train, X_test, y_test, weights):\n"
              "    model = LogisticRegression(class_weight=weights) if weights != -1 else LogisticRegression()\n"
              "    model.fit(X_train, y_train)\n    print(model.score(X_test, y_test))\n"
              "    y_preds = model.predict(X_test)\n    print(classification_report(y_test, y_preds))")
    leaky = rules(IMPORTS, LOAD, SPLIT, helper, "log_reg(X_train, y_train, X_test, y_test, -1)",
                  "log_reg(X_train, y_train, X_test, y_test, {0: 1, 1: 1.5})")
    assert leaky == ["multi-test"]
    assert rules(IMPORTS, LOAD, SPLIT, helper, "log_reg(X_train, y_train, X_test, y_test, -1)") == []


def test_a_resplit_with_the_same_seed_is_the_same_test_set():
    # PCA tutorial: the same random_state on X and on PCA(X) gives the same test rows.
    pca = ("from sklearn.decomposition import PCA\nX_pca = PCA(0.95).fit_transform(X)\n"
           "X_train_pca, X_test_pca, y_train, y_test = train_test_split(X_pca, y, test_size=0.2, random_state=42)")
    first = "rf = RandomForestClassifier(random_state=0)\nrf.fit(X_train, y_train)\nrf.score(X_test, y_test)"
    second = "rf2 = RandomForestClassifier(random_state=0)\nrf2.fit(X_train_pca, y_train)\nrf2.score(X_test_pca, y_test)"
    assert "multi-test" in rules(IMPORTS, LOAD, SPLIT, first, pca, second)
    other_seed = pca.replace("random_state=42", "random_state=7")
    # Another seed: another test set, scored once, after the first: an untouched test set remains.
    assert "multi-test" not in rules(IMPORTS, LOAD, SPLIT, first, other_seed, second)


def test_a_resplit_of_rows_already_evaluated_is_not_untouched():
    models = ("for m in [SVC(C=1), SVC(C=10)]:\n    m.fit(X_train, y_train)\n    print(m.score(X_test, y_test))")
    resplit = ("X_tr2, X_te2, y_tr2, y_te2 = train_test_split(X, y, test_size=0.3, random_state=1)\n"
               "final = SVC(C=10).fit(X_tr2, y_tr2)\nprint(final.score(X_te2, y_te2))")
    assert rules(IMPORTS, LOAD, SPLIT, models, resplit) == ["multi-test"]


def test_predicting_unlabelled_rows_is_not_an_evaluation():
    kaggle = ("test = pd.read_csv('test.csv')\n"
              "for m in [LogisticRegression(), RandomForestClassifier(random_state=0)]:\n"
              "    m.fit(X, y)\n    preds = m.predict(test)\n"
              "    pd.DataFrame({'id': test['id'], 'Churn': preds}).to_csv('sub.csv')")
    assert rules(IMPORTS, LOAD, kaggle) == []


def test_predict_only_to_draw_a_fitted_curve_is_not_an_evaluation():
    curve = ("lr = LinearRegression().fit(X, y)\nplt.plot(X, lr.predict(X), color='r')\nplt.scatter(X, y)")
    assert rules(IMPORTS, "X = 6 * np.random.rand(200, 1) - 3\ny = 0.8 * X**2 + np.random.randn(200, 1)", curve) == []
    scored = "lr = LinearRegression().fit(X, y)\nprint(r2_score(y, lr.predict(X)))"
    assert rules(IMPORTS, "X = 6 * np.random.rand(200, 1) - 3\ny = 0.8 * X**2 + np.random.randn(200, 1)",
                 scored) == ["overlap"]


def test_residuals_drawn_or_printed_are_not_an_evaluation_until_reduced_to_a_score():
    houses = "homes = pd.read_csv('homes.csv')\nX = homes[['rooms', 'age']]\nlm = LinearRegression().fit(X, homes.price)"
    drawn = "plt.scatter(lm.predict(X), lm.predict(X) - homes.price)\nplt.hlines(y=0, xmin=0, xmax=50)"
    assert rules(IMPORTS, houses, drawn) == []
    assert rules(IMPORTS, houses, "print(homes.price - lm.predict(X))") == []
    # reduced to one number, the same errors are a score on the training rows
    for score in ("print(((lm.predict(X) - homes.price) ** 2).mean())",
                  "errors = abs(lm.predict(X) - homes.price)\nprint('MAE', round(np.mean(errors), 2))",
                  "print(np.linalg.norm(homes.price - lm.predict(X)))",
                  "print(sum((homes.price - lm.predict(X)) ** 2))"):
        assert rules(IMPORTS, houses, score) == ["overlap"], score


def test_shuffle_split_with_one_split_is_a_hold_out():
    sss = ("from sklearn.model_selection import StratifiedShuffleSplit\n"
           "split = StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=42)\n"
           "for train_index, test_index in split.split(df, df['Churn']):\n"
           "    strat_train_set = df.loc[train_index]\n    strat_test_set = df.loc[test_index]")
    models = ("Xs, ys = strat_test_set.drop('Churn', axis=1), strat_test_set['Churn']\n"
              "for m in [SVC(), LogisticRegression()]:\n"
              "    m.fit(strat_train_set.drop('Churn', axis=1), strat_train_set['Churn'])\n"
              "    print(m.score(Xs, ys))")
    assert rules(IMPORTS, LOAD, sss, models) == ["multi-test"]


def test_clustering_metrics_over_k_are_not_test_set_selection():
    elbow = ("from sklearn.cluster import KMeans\nfrom sklearn.metrics import silhouette_score\n"
             "for k in range(2, 8):\n    km = KMeans(n_clusters=k, random_state=0).fit(X)\n"
             "    print(k, silhouette_score(X, km.labels_))")
    assert rules(IMPORTS, LOAD, elbow) == []


def test_yellowbrick_confusion_matrix_is_a_view_of_the_model():
    viz = ("from yellowbrick.classifier import ConfusionMatrix\nmodel = LogisticRegression()\n"
           "cm = ConfusionMatrix(model)\ncm.fit(X_train, y_train)\ncm.score(X_test, y_test)\ncm.show()")
    assert rules(IMPORTS, LOAD, SPLIT, viz) == []


def test_boosting_watch_lists_monitor_and_early_stopping_selects():
    import_xgb = "import xgboost as xgb"
    watch = ("model = xgb.XGBClassifier(n_estimators=200, random_state=0)\n"
             "model.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_test, y_test)], verbose=False)\n"
             "print(accuracy_score(y_test, model.predict(X_test)))")
    assert rules(IMPORTS, import_xgb, LOAD, SPLIT, watch) == []
    stopping = watch.replace("random_state=0)", "random_state=0, early_stopping_rounds=20)")
    assert rules(IMPORTS, import_xgb, LOAD, SPLIT, stopping) == ["multi-test"]
    lgb = ("import lightgbm as lgb\ndtrain = lgb.Dataset(X_train, label=y_train)\n"
           "dvalid = lgb.Dataset(X_test, label=y_test)\n"
           "bst = lgb.train({'objective': 'binary'}, dtrain, valid_sets=[dtrain, dvalid],\n"
           "                callbacks=[lgb.early_stopping(50)])\n"
           "print(accuracy_score(y_test, bst.predict(X_test) > 0.5))")
    assert rules(IMPORTS, LOAD, SPLIT, lgb) == ["multi-test"]


def test_an_early_stopping_fold_that_is_the_only_estimate_is_held_out_data():
    # xgb.train(params, dtrain, rounds, watchlist, early_stopping_rounds=...): the watch list by
    # position; each fold's validation part stops training and its best_score is the CV estimate.
    cells = ("import xgboost as xgb\nfrom sklearn.model_selection import StratifiedKFold",
             LOAD.replace("\nX", "\ndf['tenure'] = df['tenure'].fillna(df['tenure'].mean())\nX"),
             "def run_xgb(xtr, xvl, ytr, yvl):\n    dtrain = xgb.DMatrix(xtr, label=ytr)\n"
             "    dvalid = xgb.DMatrix(xvl, label=yvl)\n    watchlist = [(dtrain, 'train'), (dvalid, 'valid')]\n"
             "    return xgb.train({'eta': 0.1}, dtrain, 100, watchlist, early_stopping_rounds=10)",
             "scores = []\nfor tr, vl in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):\n"
             "    model = run_xgb(X.loc[tr], X.loc[vl], y.loc[tr], y.loc[vl])\n    scores.append(model.best_score)")
    assert rules(IMPORTS, *cells) == ["preprocessing-before-split"]
    assert rules(IMPORTS, LOAD, *cells[:1], *cells[2:]) == []


def test_keras_validation_data_is_monitoring_unless_it_stops_training():
    keras = ("from tensorflow import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n"
             "model.compile(loss='binary_crossentropy', metrics=['accuracy'])\n"
             "model.fit(X_train, y_train, epochs=10, validation_data=(X_test, y_test){cb})\n"
             "model.evaluate(X_test, y_test)")
    assert rules(IMPORTS, LOAD, SPLIT, keras.format(cb="")) == []
    stop = ", callbacks=[keras.callbacks.EarlyStopping(patience=3)]"
    assert rules(IMPORTS, LOAD, SPLIT, keras.format(cb=stop)) == ["multi-test"]


def test_keras_fit_continues_training():
    # A second fit on the test rows is not a fresh model: the first fit's rows are still learned.
    keras = ("from tensorflow import keras\nmodel = keras.Sequential([keras.layers.Dense(1)])\n"
             "model.compile(loss='mse')\nmodel.fit(X_test, y_test, epochs=5)\n"
             "model.fit(X_train, y_train, epochs=5)\nmodel.evaluate(X_test, y_test)")
    assert "overlap" in rules(IMPORTS, LOAD, SPLIT, keras)
    # scikit-learn's fit starts over: the second fit forgets the first.
    sk = "model = LogisticRegression()\nmodel.fit(X_test, y_test)\nmodel.fit(X_train, y_train)\nmodel.score(X_test, y_test)"
    assert "overlap" not in rules(IMPORTS, LOAD, SPLIT, sk)



def test_a_final_score_against_the_same_test_labels_is_not_an_untouched_test_set():
    # Base models compared on X_test, then a stacked model whose features are rebuilt in a fresh
    # frame: its score against y_test is about the same rows, so no untouched test set remains.
    compare = ("from sklearn.tree import DecisionTreeRegressor\nfrom sklearn.metrics import mean_squared_error\n"
               "base = [LinearRegression(), DecisionTreeRegressor(random_state=0)]\nfor m in base:\n"
               "    m.fit(X_train, y_train)\n    print(mean_squared_error(y_test, m.predict(X_test)) ** 0.5)")
    stack = ("def stack_features(models, X_part):\n    out = pd.DataFrame()\n"
             "    for i, m in enumerate(models):\n        out[f'm{{i}}'] = m.predict(X_part)\n    return out\n"
             "meta = LinearRegression().fit(stack_features(base, X_train), y_train)\n"
             "stacked = stack_features(base, {rows})\nprint(mean_squared_error({labels}, meta.predict(stacked)) ** 0.5)")
    same = stack.format(rows="X_test", labels="y_test")
    assert rules(IMPORTS, LOAD, SPLIT, compare, same) == ["multi-test"]
    # A labelled hold-out file kept apart and scored once at the end is an untouched test set.
    holdout = stack.format(rows="hold.drop('Churn', axis=1)", labels="hold['Churn']")
    assert rules(IMPORTS, LOAD, SPLIT, compare, "hold = pd.read_csv('churn_holdout.csv')\n" + holdout) == []


MONTHLY = ("sales = pd.read_csv('monthly_sales.csv')\nsupervised = sales[['sales_diff']].copy()\n"
           "for i in range(1, 13):\n    supervised[f'lag_{i}'] = supervised['sales_diff'].shift(i)\n"
           "supervised = supervised.dropna().reset_index(drop=True)")
CUT = ("if len(supervised) > 24:\n    train_data = supervised[:-12]\n    test_data = supervised[-12:]\n"
       "else:\n    train_data = supervised[:-6]\n    test_data = supervised[-6:]\n"
       "scaler = MinMaxScaler(feature_range=(-1, 1)).fit(train_data)\n"
       "x_train, y_train = scaler.transform(train_data)[:, 1:], scaler.transform(train_data)[:, 0]\n"
       "x_test, y_test = scaler.transform(test_data)[:, 1:], scaler.transform(test_data)[:, 0]")


def test_a_name_rebound_to_another_model_and_scored_through_a_results_frame():
    # The same name holds a linear model, then a forest; the forest's predictions reach the metric
    # through a results frame (predictions joined in, then read back as a column).
    linear = ("from sklearn.metrics import mean_squared_error\nmodel = LinearRegression()\n"
              "model.fit(x_train, y_train)\npred = model.predict(x_test)\n"
              "print('LR RMSE', np.sqrt(mean_squared_error(y_test, pred)))")
    forest = ("from sklearn.metrics import mean_absolute_error\nfrom sklearn.ensemble import RandomForestRegressor\nresults = pd.DataFrame({'month': range(len(y_test))})\n"
              "model = RandomForestRegressor(n_estimators=30, max_depth=3, random_state=42)\n"
              "model.fit(x_train, y_train)\nrf_pred = pd.Series(model.predict(x_test), name='rf_prediction')\n"
              "results = results.merge(rf_pred, left_index=True, right_index=True)\n"
              "print('RF MAE', mean_absolute_error(y_test, results['rf_prediction']))")
    assert rules(IMPORTS, MONTHLY, CUT, linear, forest) == ["multi-test"]
    assert rules(IMPORTS, MONTHLY, CUT, forest) == []


def test_a_split_made_on_either_branch_keeps_its_sides_apart():
    # Whichever branch runs, the scaler learns from the training months only.
    score = "lr = LinearRegression().fit(x_train, y_train)\nprint(r2_score(y_test, lr.predict(x_test)))"
    assert rules(IMPORTS, MONTHLY, CUT, score) == []
    leaky = CUT.replace("fit(train_data)", "fit(supervised)")
    assert rules(IMPORTS, MONTHLY, leaky, score) == ["preprocessing-before-split"]


def test_a_frame_written_and_read_back_is_the_same_rows():
    # Models compared on X_test; the training frame is saved for another tool, read back and split
    # again with the same seed: the "final" test set is the same rows, not an untouched one.
    compare = ("for m in [LogisticRegression(max_iter=500), RandomForestClassifier(random_state=0)]:\n"
               "    m.fit(X_train, y_train)\n    print(type(m).__name__, accuracy_score(y_test, m.predict(X_test)))")
    save = "df.to_parquet('churn-ag.parquet', index=False)"
    final = ("df2 = pd.read_parquet('{path}')\nX2, y2 = df2.drop('Churn', axis=1), df2['Churn']\n"
             "X_tr, X_te, y_tr, y_te = train_test_split(X2, y2, test_size=0.2, random_state=42)\n"
             "best = RandomForestClassifier(n_estimators=500, random_state=0).fit(X_tr, y_tr)\n"
             "print(accuracy_score(y_te, best.predict(X_te)))")
    assert rules(IMPORTS, LOAD, SPLIT, compare, save, final.format(path="churn-ag.parquet")) == ["multi-test"]
    # A labelled hold-out file the notebook did not write is another set of rows: the chosen model
    # scored on it once is an untouched test.
    holdout = ("hold = pd.read_parquet('churn_holdout.parquet')\n"
               "best = RandomForestClassifier(n_estimators=500, random_state=0).fit(X_train, y_train)\n"
               "print(accuracy_score(hold['Churn'], best.predict(hold.drop('Churn', axis=1))))")
    assert rules(IMPORTS, LOAD, SPLIT, compare, save, holdout) == []


def test_keras_early_stopping_on_each_fold_then_scored_on_that_fold():
    net = ("from tensorflow import keras\nfrom sklearn.model_selection import KFold\n"
           "stopper = keras.callbacks.EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)\n"
           "net = keras.Sequential([keras.layers.Dense(32, activation='relu'), keras.layers.Dense(1)])\n"
           "net.compile(optimizer='adam', loss='mse', metrics=['mae'])")
    folds = ("scores = []\nfor fold, (tr, va) in enumerate(KFold(n_splits=5, shuffle=True, random_state=0).split(X)):\n"
             "    X_tr, X_va = X.iloc[tr], X.iloc[va]\n    y_tr, y_va = y.iloc[tr], y.iloc[va]\n"
             "    {stop}\n"
             "    net.fit({fit}, epochs=200, batch_size=32, callbacks=[stopper], validation_data={watch}, verbose=0)\n"
             "    loss, mae = net.evaluate(X_va, y_va, verbose=0)\n    scores.append(r2_score(y_va, net.predict(X_va)))\n"
             "print(np.mean(scores))")
    leaky = folds.format(stop="pass", fit="X_tr, y_tr", watch="(X_va, y_va)")
    assert rules(IMPORTS, LOAD, net, leaky) == ["multi-test"]
    carved = folds.format(stop="X_fit, X_es, y_fit, y_es = train_test_split(X_tr, y_tr, test_size=0.1, random_state=0)",
                          fit="X_fit, y_fit", watch="(X_es, y_es)")
    assert rules(IMPORTS, LOAD, net, carved) == []


def test_arrays_only_the_kernel_defines_are_still_rows_when_split():
    # features_df was built in a cell since deleted: the split still cuts rows, and two models
    # compared on its test part is a multi-test.
    split = ("y = df['Churn']\n"
             "X_train, X_test, y_train, y_test = train_test_split(features_df, y, test_size=0.3, random_state=234)")
    lin = "lin = LinearRegression()\nlin.fit(X_train, y_train)\nprint(lin.score(X_test, y_test))"
    forest = ("from sklearn.ensemble import RandomForestRegressor\nrf = RandomForestRegressor(random_state=0)\n"
              "rf.fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
    cells = (IMPORTS, "df = pd.read_csv('churn.csv')", split)
    assert rules(*cells, lin, forest) == ["hidden-state", "multi-test"]
    assert rules(*cells, forest) == ["hidden-state"]


def test_a_per_row_decision_on_predictions_is_not_a_score():
    # Hand-made AdaBoost: predictions on the training rows decide each row's new weight.
    setup = ("from sklearn.tree import DecisionTreeClassifier\ndf = pd.read_csv('toy.csv')\n"
             "X, y = df[['x1', 'x2']].values, df['label'].values\nstump = DecisionTreeClassifier(max_depth=1).fit(X, y)\n"
             "pred = stump.predict(X)")
    reweight = ("weights = np.ones(len(y)) / len(y)\nfor i in range(len(y)):\n"
                "    if pred[i] == y[i]:\n        weights[i] *= 0.6\n    else:\n        weights[i] *= 1.6")
    assert rules(IMPORTS, setup, reweight) == []
    assert rules(IMPORTS, setup, "print('accuracy', (pred == y).mean())") == ["overlap"]


def test_a_mask_and_its_complement_passed_straight_to_a_model_are_two_sides():
    # The split is a boolean mask made from held-out indices; the pieces are never named.
    mask = ("from sklearn.feature_extraction.text import CountVectorizer\nfrom sklearn.naive_bayes import MultinomialNB\n"
            "reviews = pd.read_csv('reviews.csv')\n"
            "_, held = train_test_split(np.arange(len(reviews)), test_size=0.3, random_state=1)\n"
            "is_test = np.zeros(len(reviews), dtype=bool)\nis_test[held] = True")
    model = ("y = reviews['positive'].values\nnb = MultinomialNB().fit(X[~is_test], y[~is_test])\n"
             "print(nb.score(X[is_test], y[is_test]))")
    leaky = "X = CountVectorizer(min_df=2).fit_transform(reviews['text'])\n" + model
    assert rules(IMPORTS, mask, leaky) == ["preprocessing-before-split"]
    clean = ("vec = CountVectorizer(min_df=2).fit(reviews['text'][~is_test])\n"
             "X = vec.transform(reviews['text'])\n" + model)
    assert rules(IMPORTS, mask, clean) == []


def test_a_test_split_of_another_data_set_does_not_redeem_a_comparison():
    compare = ("from sklearn.model_selection import GridSearchCV\n"
               "base = LogisticRegression(max_iter=500).fit(X_train, y_train)\nprint(accuracy_score(y_test, base.predict(X_test)))\n"
               "grid = GridSearchCV(LogisticRegression(max_iter=500), {'C': [0.1, 1, 10]}, cv=5).fit(X_train, y_train)\n"
               "print(accuracy_score(y_test, grid.predict(X_test)))")
    other = ("cards = pd.read_csv('cards.csv')\n"
             "X_train, X_test, y_train, y_test = train_test_split(cards.drop(columns='fraud'), cards['fraud'], test_size=0.3, random_state=4)\n"
             "lr = LogisticRegression(class_weight='balanced').fit(X_train, y_train)\nprint(accuracy_score(y_test, lr.predict(X_test)))")
    assert rules(IMPORTS, LOAD, SPLIT, compare, other) == ["multi-test"]
    # The chosen model scored once on a labelled hold-out file of the same problem: untouched.
    final = ("hold = pd.read_csv('churn_holdout.csv')\n"
             "print(accuracy_score(hold['Churn'], grid.predict(hold.drop('Churn', axis=1))))")
    assert rules(IMPORTS, LOAD, SPLIT, compare, final) == []


def test_one_model_scored_on_two_encodings_of_the_test_rows():
    texts = ("from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer\n"
             "from sklearn.naive_bayes import MultinomialNB\nbooks = pd.read_csv('books.csv')\n"
             "X_train, X_test, y_train, y_test = train_test_split(books['review'], books['liked'], test_size=0.2, random_state=0)\n"
             "bow, tf = CountVectorizer(), TfidfVectorizer()\n"
             "Xtr_bow, Xte_bow = bow.fit_transform(X_train), bow.transform(X_test)\n"
             "Xtr_tf, Xte_tf = tf.fit_transform(X_train), tf.transform(X_test)\nnb = MultinomialNB().fit(Xtr_bow, y_train)")
    both = "print('bow', accuracy_score(y_test, nb.predict(Xte_bow)))\nprint('tfidf', accuracy_score(y_test, nb.predict(Xte_tf)))"
    assert rules(IMPORTS, texts, both) == ["multi-test"]
    assert "several encodings" in [f for f in found(IMPORTS, texts, both) if f.rule == "multi-test"][0].message
    twice = "print(nb.score(Xte_bow, y_test))\nprint(classification_report(y_test, nb.predict(Xte_bow)))"
    assert rules(IMPORTS, texts, twice) == []


def test_h2o_frames_split_and_models_trained_on_a_named_frame():
    setup = ("import h2o\nfrom h2o.estimators import H2OGradientBoostingEstimator, H2ORandomForestEstimator\nh2o.init()\n"
             "loans = h2o.import_file('loans.csv')\ntrain, valid, test = loans.split_frame([0.7, 0.15], seed=7)\n"
             "features, target = loans.col_names[:-1], loans.col_names[-1]")
    gbm = ("gbm = H2OGradientBoostingEstimator(ntrees=200, seed=1)\n"
           "gbm.train(x=features, y=target, training_frame=train, validation_frame=valid)\n"
           "pred = gbm.predict(test).as_data_frame()\nactual = test.as_data_frame()['default']\n"
           "print((actual == pred['predict']).mean())")
    forest = ("rf = H2ORandomForestEstimator(ntrees=300, seed=1)\nrf.train(x=features, y=target, training_frame=train)\n"
              "print(rf.model_performance(test_data=test).auc())")
    assert rules(setup, gbm) == []
    assert rules(setup, gbm, forest) == ["multi-test"]


def test_an_objective_handed_to_a_tuner_is_analysed_as_a_loop():
    # Optuna calls the objective once per trial: tuning on X_test, then reporting X_test, leaves no
    # untouched test set.
    tune = ("import optuna\nfrom sklearn.ensemble import GradientBoostingClassifier\ndef objective(trial):\n"
            "    depth = trial.suggest_int('max_depth', 2, 8)\n    rate = trial.suggest_float('learning_rate', 0.01, 0.3)\n"
            "    model = GradientBoostingClassifier(max_depth=depth, learning_rate=rate).fit({xtr}, {ytr})\n"
            "    return accuracy_score({yva}, model.predict({xva}))\n"
            "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=50)")
    final = ("best = GradientBoostingClassifier(**study.best_params).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, best.predict(X_test)))")
    leaky = tune.format(xtr="X_train", ytr="y_train", xva="X_test", yva="y_test")
    assert rules(IMPORTS, LOAD, SPLIT, leaky, final) == ["multi-test"]
    carved = ("X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, random_state=0)\n"
              + tune.format(xtr="X_fit", ytr="y_fit", xva="X_val", yva="y_val"))
    assert rules(IMPORTS, LOAD, SPLIT, carved, final) == []

# --- overlap ----------------------------------------------------------------------------------
def test_evaluating_on_the_fit_rows_when_features_are_built_by_a_comprehension():
    cell = ("import numpy as np\nfrom tensorflow.keras.preprocessing.text import one_hot\n"
            "from tensorflow.keras.preprocessing.sequence import pad_sequences\n"
            "from tensorflow import keras\n"
            "reviews = ['nice food', 'amazing restaurant', 'horrible service', 'never going there']\n"
            "sentiment = np.array([1, 1, 0, 0])\nencoded = [one_hot(d, 30) for d in reviews]\n"
            "X = pad_sequences(encoded, maxlen=4, padding='post')\n"
            "model = keras.Sequential([keras.layers.Embedding(30, 4), keras.layers.Dense(1)])\n"
            "model.fit(X, sentiment, epochs=50)\nloss, accuracy = model.evaluate(X, sentiment)")
    assert rules(cell) == ["overlap"]


def test_per_sample_stacking_is_not_row_duplication():
    cell = ("X, y = [], []\nfor path in ['a.png', 'b.png']:\n    img = plt.imread(path)\n"
            "    combined = np.vstack((img.reshape(32*32*3, 1), img.reshape(32*32, 1)))\n"
            "    X.append(combined)\n    y.append(0)\n"
            "X = np.array(X).reshape(len(X), 4096)\ny = np.array(y)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "print(SVC().fit(X_train, y_train).score(X_test, y_test))")
    assert rules(IMPORTS, cell) == []


def test_sampling_each_class_and_concatenating_is_not_duplication():
    balance = ("ones = df[df.Churn == 1].sample(500, random_state=0)\n"
               "zeros = df[df.Churn == 0].sample(500, random_state=0)\n"
               "df_bal = pd.concat([zeros, ones], axis=0)\n"
               "X, y = df_bal.drop('Churn', axis=1), df_bal['Churn']")
    assert rules(IMPORTS, LOAD, balance, SPLIT, "print(SVC().fit(X_train, y_train).score(X_test, y_test))") == []
    dup = ("minority = df[df.Churn == 1]\ndf_up = pd.concat([df, minority, minority])\n"
           "X, y = df_up.drop('Churn', axis=1), df_up['Churn']")
    assert rules(IMPORTS, LOAD, dup, SPLIT, "print(SVC().fit(X_train, y_train).score(X_test, y_test))") == ["overlap"]


def test_kfold_inside_a_helper_through_enumerate_is_cross_validation():
    helper = ("from sklearn.model_selection import KFold\nfrom sklearn.base import clone\n"
              "def evaluate(model, X, y):\n    scores = []\n"
              "    for fold, (tr, va) in enumerate(KFold(5, shuffle=True, random_state=0).split(X), start=1):\n"
              "        m = clone(model)\n        m.fit(X.iloc[tr], y.iloc[tr])\n"
              "        scores.append(accuracy_score(y.iloc[va], m.predict(X.iloc[va])))\n    return np.mean(scores)\n"
              "print(evaluate(LogisticRegression(), X, y))")
    assert rules(IMPORTS, LOAD, helper) == []


def test_scoring_a_kaggle_train_file_with_nothing_held_out_is_overlap():
    # train.csv holds all the labelled rows; test.csv has no labels. A score on train.csv is memory.
    kaggle = ("train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
              "X, y = train.drop('Churn', axis=1), train['Churn']\n"
              "lr = LogisticRegression().fit(X, y)\npred = lr.predict(X)\n"
              "print(classification_report(y, pred))\nsub = lr.predict(test)")
    assert rules(IMPORTS, kaggle) == ["overlap"]
    # Beside a held-out estimate (a CV, or a validation split) it is training accuracy.
    cv = "from sklearn.model_selection import cross_val_score\nprint(cross_val_score(LogisticRegression(), X, y))"
    assert rules(IMPORTS, kaggle, cv) == []
    val = ("X_tr, X_val, y_tr, y_val = train_test_split(X, y, random_state=0)\n"
           "print(LogisticRegression().fit(X_tr, y_tr).score(X_val, y_val))")
    assert rules(IMPORTS, kaggle, val) == []


def test_a_concat_of_train_and_test_cut_back_at_len_train_gives_the_train_file_back():
    cells = ("train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
             "n_train = train.shape[0]\ndf = pd.concat([train, test])\ndf = pd.get_dummies(df)",
             "X_train = df[:n_train].drop('y', axis=1)\nX_test = df[n_train:].drop('y', axis=1)\n"
             "y_train = train['y']",
             "m = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
             "print('train score', m.score(X_train, y_train))\nsub = m.predict(X_test)")
    # The head is all of train.csv: its only score is on the rows it was fit on.
    assert rules(IMPORTS, *cells) == ["overlap"]
    with_len = [c.replace("train.shape[0]", "len(train)").replace("df[n_train:]", "df.iloc[n_train:]") for c in cells]
    assert rules(IMPORTS, *with_len) == ["overlap"]


def test_parts_of_a_frame_taken_by_masks_and_copied_are_two_sides():
    cell = ("mask = df['year'] < 2020\ntrain_part = df.loc[mask].copy()\n"
            "valid_part = df.loc[~mask].reset_index(drop=True)\n"
            "m = LogisticRegression().fit(train_part[['x']], train_part['Churn'])\n"
            "print(accuracy_score(valid_part['Churn'], m.predict(valid_part[['x']])))")
    assert rules(IMPORTS, LOAD, cell) == []
    scaled = "df['x'] = StandardScaler().fit_transform(df[['x']])"
    assert rules(IMPORTS, LOAD, scaled, cell) == ["preprocessing-before-split"]


# --- splits by what the code does -------------------------------------------------------------
def test_positional_and_date_cuts_are_splits_whatever_the_names():
    cut = ("n = int(len(df) * 0.8)\na = df.iloc[:n]\nb = df.iloc[n:]\n"
           "sc = StandardScaler().fit(df[['x']])\n"
           "m = LogisticRegression().fit(sc.transform(a[['x']]), a['Churn'])\n"
           "print(m.score(sc.transform(b[['x']]), b['Churn']))")
    assert rules(IMPORTS, LOAD, cut) == ["preprocessing-before-split"]
    dates = ("early = df[df['date'] < '2020-01-01']\nlate = df[df['date'] >= '2020-01-01']\n"
             "m = LogisticRegression().fit(early[['x']], early['Churn'])\nprint(m.score(late[['x']], late['Churn']))\n"
             "print(m.score(early[['x']], early['Churn']))")
    assert rules(IMPORTS, LOAD, dates) == []


def test_a_filter_kept_under_the_same_name_is_not_a_split():
    cell = ("df = df[df['age'] < 100]\nX, y = df.drop('Churn', axis=1), df['Churn']\n"
            "m = LogisticRegression().fit(X, y)\nprint(m.score(X, y))")
    assert rules(IMPORTS, LOAD, cell) == ["overlap"]


# --- preprocessing ----------------------------------------------------------------------------
def test_statistics_survive_frames_built_with_data_keyword():
    cell = ("df['tenure'] = df['tenure'].fillna(df['tenure'].mean())\n"
            "df2 = pd.get_dummies(data=df, columns=['contract'], drop_first=True)\n"
            "X, y = df2.drop(['Churn'], axis=1), df2.Churn")
    assert rules(IMPORTS, LOAD, cell, SPLIT, "print(SVC().fit(X_train, y_train).score(X_test, y_test))") == [
        "preprocessing-before-split"]


def test_imputing_a_kaggle_train_and_test_together_is_not_a_leak_into_a_score():
    cell = ("train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
            "full = pd.concat([train, test])\nfull['age'] = full['age'].fillna(full['age'].median())\n"
            "train, test = full[:len(train)], full[len(train):]\n"
            "m = RandomForestClassifier(random_state=0).fit(train[['age']], train['Survived'])\n"
            "pd.DataFrame({'Survived': m.predict(test[['age']])}).to_csv('submission.csv')")
    assert rules(IMPORTS, cell) == []


def test_a_stateless_column_transformer_learns_nothing():
    cell = ("from sklearn.compose import ColumnTransformer\nfrom sklearn.preprocessing import Binarizer\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.tree import DecisionTreeClassifier\n"
            "trf = ColumnTransformer([('bin', Binarizer(copy=False), ['x'])], remainder='passthrough')\n"
            "X_trf = trf.fit_transform(X)\nprint(np.mean(cross_val_score(DecisionTreeClassifier(), X_trf, y, cv=10)))")
    assert rules(IMPORTS, LOAD, cell) == []


def test_keras_tokenizer_learns_from_the_texts_it_is_fit_on():
    tok = ("from tensorflow.keras.preprocessing.text import Tokenizer\nfrom tensorflow import keras\n"
           "texts, labels = df['text'], df['Churn']\ntokenizer = Tokenizer(num_words=1000)\n"
           "tokenizer.fit_on_texts({fit})\nX = tokenizer.texts_to_matrix(texts)\n"
           "X_train, X_test, y_train, y_test = train_test_split(X, labels, random_state=0)\n"
           "model = keras.Sequential([keras.layers.Dense(1)])\nmodel.fit(X_train, y_train)\n"
           "model.evaluate(X_test, y_test)")
    assert rules(IMPORTS, LOAD, tok.format(fit="texts")) == ["preprocessing-before-split"]
    clean = ("from tensorflow.keras.preprocessing.text import Tokenizer\nfrom tensorflow import keras\n"
             "n = int(len(df) * .8)\ntrain_text, test_text = df['text'][:n], df['text'][n:]\n"
             "train_y, test_y = df['Churn'][:n], df['Churn'][n:]\ntok = Tokenizer(num_words=1000)\n"
             "tok.fit_on_texts(train_text)\nx_train = tok.texts_to_matrix(train_text)\n"
             "x_test = tok.texts_to_matrix(test_text)\nmodel = keras.Sequential([keras.layers.Dense(1)])\n"
             "model.fit(x_train, train_y)\nmodel.evaluate(x_test, test_y)")
    assert rules(IMPORTS, LOAD, clean) == []


def test_a_vectorizer_fit_on_train_and_test_text_then_cut_back_leaks_into_out_of_fold_scores():
    cells = ("from sklearn.feature_extraction.text import TfidfVectorizer\n"
             "from sklearn.model_selection import KFold\nfrom sklearn.linear_model import Ridge\n"
             "from sklearn.metrics import mean_squared_error",
             "train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
             "text = pd.concat([train['essay'], test['essay']], axis=0).reset_index(drop=True)\n"
             "vec = TfidfVectorizer(min_df=2)\nmatrix = vec.fit_transform(text)\n"
             "X_all = pd.DataFrame(matrix[:len(train)].toarray())\ny = train['score']",
             "def rmse(y_true, y_pred):\n    return np.sqrt(mean_squared_error(y_true, y_pred))",
             "def run_cv(X, y):\n    store = {'ridge': np.zeros(len(X))}\n"
             "    for tr, va in KFold(5, shuffle=True, random_state=0).split(X):\n"
             "        m = Ridge().fit(X.iloc[tr], y.iloc[tr])\n        store['ridge'][va] = m.predict(X.iloc[va])\n"
             "    for name in store:\n        print(name, rmse(y, store[name]))\n    return store\n"
             "oof = run_cv(X_all, y)")
    assert rules(IMPORTS, *cells) == ["preprocessing-before-split"]
    # The out-of-fold predictions are never scored: nothing leaks into a score.
    unscored = cells[:3] + (cells[3].replace("        print(name, rmse(y, store[name]))\n", "        pass\n"),)
    assert rules(IMPORTS, *unscored) == []


def test_values_filled_in_by_a_model_fit_on_all_rows_are_learned_from_them():
    impute = ("known = df[df['age'].notna()]\nmissing = df['age'].isna()\n"
              "imp = RandomForestClassifier(random_state=0).fit(known[['tenure']], known['age'])\n"
              "df.loc[missing, 'age'] = imp.predict(df.loc[missing, ['tenure']])")
    model = "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))"
    load = "df = pd.read_csv('churn.csv')"
    feats = "X = df.drop('Churn', axis=1)\ny = df['Churn']"
    assert rules(IMPORTS, load, impute, feats, SPLIT, model) == ["preprocessing-before-split"]
    # A whole column of predictions (pseudo-labels, a submission) is not an imputation.
    pseudo = "sub = df.copy()\nsub['pred'] = LogisticRegression().fit(df[['tenure']], df['Churn']).predict(df[['tenure']])"
    assert rules(IMPORTS, load, pseudo, feats, SPLIT, model) == []


def test_columns_chosen_by_their_correlation_with_the_target_on_all_rows():
    select = ("top = df.corr().abs()['Churn'].sort_values(ascending=False).index[1:6]\n"
              "X = df[top]\ny = df['Churn']")
    model = "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))"
    load = "df = pd.read_csv('churn.csv')"
    assert rules(IMPORTS, load, select, SPLIT, model) == ["preprocessing-before-split"]
    assert rules(IMPORTS, load, select.replace("df[top]", "df.loc[:, top]"), SPLIT, model) == [
        "preprocessing-before-split"]
    # Looking at the correlations (a heatmap) chooses nothing.
    look = "import seaborn as sns\nsns.heatmap(df.corr())\nX = df[['tenure', 'charges']]\ny = df['Churn']"
    assert rules(IMPORTS, load, look, SPLIT, model) == []


def test_encoders_that_learn_only_the_categories_are_not_preprocessing_leakage():
    from_all = ("from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder\n"
                "X = OneHotEncoder(handle_unknown='ignore').fit_transform(df[['contract', 'region']])\ny = df['Churn']")
    model = "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))"
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", from_all, SPLIT, model) == []
    scaled = from_all.replace("OneHotEncoder(handle_unknown='ignore')", "StandardScaler()")
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", scaled, SPLIT, model) == ["preprocessing-before-split"]



def test_a_loop_over_train_and_test_frames_changes_each_frame():
    # Kaggle style: the same cleaning applied to train.csv and test.csv in a loop.
    load = "train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')"
    clean = "for frame in [train, test]:\n    frame['Age'] = frame['Age'].fillna({fill})\n    frame['Fare'] = frame['Fare'] / 10"
    fit = ("X = train.drop('Survived', axis=1)\ny = train['Survived']\n" + SPLIT + "\n"
           "lr = LogisticRegression().fit(X_train, y_train)\nprint(lr.score(X_test, y_test))")
    assert rules(IMPORTS, load, clean.format(fill="frame['Age'].median()"), fit) == ["preprocessing-before-split"]
    assert rules(IMPORTS, load, clean.format(fill="-1"), fit) == []


# --- temporal ---------------------------------------------------------------------------------
SALES = ("sales = pd.read_csv('store_sales.csv')\nsales['date'] = pd.to_datetime(sales['date'])\n"
         "sales['month'] = sales['date'].dt.month\nsales['dayofweek'] = sales['date'].dt.dayofweek")
LAGS = ("for k in (7, 14):\n    sales[f'lag_{k}'] = sales.groupby(['store', 'item'])['units'].shift(k)\n"
        "sales['roll_7'] = sales['lag_7'].rolling(7).mean()\n"
        "sales = sales.dropna()\nX = sales.drop(columns=['units', 'date'])\ny = sales['units']")
FOREST = ("from sklearn.ensemble import RandomForestRegressor\n"
          "rf = RandomForestRegressor(n_estimators=100, random_state=0).fit(X_train, y_train)\n"
          "print(r2_score(y_valid, rf.predict(X_valid)))")


def test_dated_rows_with_lag_features_split_at_random():
    shuffled = "X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.2, random_state=42)"
    assert rules(IMPORTS, SALES, LAGS, shuffled, FOREST) == ["temporal"]
    in_order = shuffled.replace("random_state=42", "shuffle=False")
    assert rules(IMPORTS, SALES, LAGS, in_order, FOREST) == []
    cutoff = ("train_rows = sales[sales['date'] < '2017-06-01']\nvalid_rows = sales[sales['date'] >= '2017-06-01']\n"
              "X_train, y_train = train_rows.drop(columns=['units', 'date']), train_rows['units']\n"
              "X_valid, y_valid = valid_rows.drop(columns=['units', 'date']), valid_rows['units']")
    assert rules(IMPORTS, SALES, LAGS, cutoff, FOREST) == []
    # A parsed date column alone (a signup date) does not make the rows a time series.
    plain = "X = sales.drop(columns=['units', 'date'])\ny = sales['units']"
    assert rules(IMPORTS, SALES, plain, shuffled, FOREST) == []
    # A shuffled split whose held-out part is never scored measures nothing.
    unscored = FOREST.replace("print(r2_score(y_valid, rf.predict(X_valid)))", "rf.predict(X_valid)")
    assert rules(IMPORTS, SALES, LAGS, shuffled, unscored) == []


def test_dated_rows_with_lag_features_cross_validated_with_shuffled_folds():
    cv = ("from sklearn.model_selection import KFold, TimeSeriesSplit, cross_val_score\n"
          "from sklearn.ensemble import RandomForestRegressor\n"
          "print(cross_val_score(RandomForestRegressor(random_state=0), X, y, cv={cv}, scoring='r2').mean())")
    assert rules(IMPORTS, SALES, LAGS, cv.format(cv="KFold(5, shuffle=True, random_state=0)")) == ["temporal"]
    assert rules(IMPORTS, SALES, LAGS, cv.format(cv="TimeSeriesSplit(n_splits=5)")) == []


def test_a_vectorizer_fit_on_a_list_of_texts_built_from_the_frame():
    setup = ("import re\nfrom sklearn.feature_extraction.text import CountVectorizer\n"
             "from sklearn.naive_bayes import MultinomialNB\nsms = pd.read_csv('sms.tsv', sep='\\t', names=['label', 'text'])")
    appended = ("docs = []\nfor i in range(len(sms)):\n    t = re.sub('[^a-z]', ' ', sms['text'][i].lower())\n"
                "    docs.append(t)")
    built = "docs = [t.lower() for t in sms['text']]"
    fit_all = "vec = CountVectorizer(max_features=500)\nX = vec.fit_transform(docs).toarray()\ny = (sms['label'] == 'spam').values"
    model = ("X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)\n"
             "nbm = MultinomialNB().fit(X_tr, y_tr)\nprint(accuracy_score(y_te, nbm.predict(X_te)))")
    assert rules(IMPORTS, setup, appended, fit_all, model) == ["preprocessing-before-split"]
    assert rules(IMPORTS, setup, built, fit_all, model) == ["preprocessing-before-split"]
    # Words cleaned one by one and joined back into a string per message.
    joined = ("docs = []\nfor i in range(len(sms)):\n    words = sms['text'][i].lower().split()\n"
              "    words = [w for w in words if len(w) > 2]\n    docs.append(' '.join(words))")
    assert rules(IMPORTS, setup, joined, fit_all, model) == ["preprocessing-before-split"]
    split_first = ("y = (sms['label'] == 'spam').values\n"
                   "d_tr, d_te, y_tr, y_te = train_test_split(docs, y, test_size=0.2, random_state=0)\n"
                   "vec = CountVectorizer(max_features=500)\nX_tr, X_te = vec.fit_transform(d_tr), vec.transform(d_te)\n"
                   "nbm = MultinomialNB().fit(X_tr, y_tr)\nprint(accuracy_score(y_te, nbm.predict(X_te)))")
    assert rules(IMPORTS, setup, built, split_first) == []


THREE_WAY = ("X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)\n"
             "X_test, X_val, y_test, y_val = train_test_split(X_test, y_test, test_size=0.5, random_state=0)")


def test_a_scaler_fit_on_a_part_of_the_test_split_is_fit_on_test():
    # The test split is cut again into test and validation parts; both are still held-out rows.
    refit = ("from sklearn.neighbors import KNeighborsClassifier\nX_train_s = StandardScaler().fit_transform(X_train)\n"
             "X_test_s = StandardScaler().fit_transform(X_test)\nknn = KNeighborsClassifier(5).fit(X_train_s, y_train)\n"
             "print(accuracy_score(y_test, knn.predict(X_test_s)))")
    assert rules(IMPORTS, LOAD, THREE_WAY, refit) == ["fit-on-test"]
    scaled = ("from sklearn.neighbors import KNeighborsClassifier\nscaler = StandardScaler().fit(X_train)\n"
              "knn = KNeighborsClassifier(5).fit(scaler.transform(X_train), y_train)\n"
              "print(accuracy_score(y_test, knn.predict(scaler.transform(X_test))))")
    assert rules(IMPORTS, LOAD, THREE_WAY, scaled) == []


def test_a_keras_history_model_is_the_model_that_was_trained():
    # Training accuracy read through the History object the helper returns is a diagnostic on the
    # rows the network was fit on, not a held-out score that the training scaler leaks into.
    net = ("from tensorflow import keras\ndef build(width):\n"
           "    m = keras.Sequential([keras.layers.Dense(width, activation='relu'), keras.layers.Dense(1, activation='sigmoid')])\n"
           "    m.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n    return m\n"
           "def train_net(model, X_tr, y_tr, X_va, y_va):\n"
           "    return model.fit(X_tr, y_tr, epochs=20, validation_data=(X_va, y_va), verbose=0)")
    runs = ("scaler = StandardScaler().fit(X_train)\nX_train_s, X_val_s = scaler.transform(X_train), scaler.transform(X_val)\n"
            "hist = train_net(build(16), X_train_s, y_train, X_val_s, y_val)\n"
            "print('train', hist.model.evaluate(X_train_s, y_train, verbose=0)[1])\n"
            "print('test', hist.model.evaluate(scaler.transform({test}), y_test, verbose=0)[1])")
    assert rules(IMPORTS, LOAD, THREE_WAY, net, runs.format(test="X_test")) == []
    all_rows = runs.replace("StandardScaler().fit(X_train)", "StandardScaler().fit(X)")
    assert rules(IMPORTS, LOAD, THREE_WAY, net, all_rows.format(test="X_test")) == ["preprocessing-before-split"]


def test_causal_lags_inside_a_group_transform_are_not_statistics_of_the_split():
    daily = ("daily = pd.read_csv('daily.csv', parse_dates=['date']).sort_values(['store', 'date'])\n"
             "daily['lag7'] = daily.groupby('store')['sales'].shift(7)\n"
             "daily['mean7'] = daily.groupby('store')['sales'].transform(lambda s: s{window}.mean())")
    model = ("cut = daily['date'].max() - pd.Timedelta(weeks=6)\n"
             "train, valid = daily[daily['date'] <= cut], daily[daily['date'] > cut]\n"
             "feats = ['lag7', 'mean7', 'promo']\nm = LinearRegression().fit(train[feats], train['sales'])\n"
             "print(r2_score(valid['sales'], m.predict(valid[feats])))")
    assert rules(IMPORTS, daily.format(window=".shift(1).rolling(7)"), model) == []
    # Without the shift the window holds the row's own sales: a statistic across the cut (and the target).
    assert "preprocessing-before-split" in rules(IMPORTS, daily.format(window=".rolling(7)"), model)


def test_a_learning_curve_sampled_from_all_rows_scales_the_validation_rows_too():
    curve = ("from sklearn.neighbors import KNeighborsClassifier\n"
             "scaler = StandardScaler().fit(X_train)\nX_val_s = scaler.transform(X_val)\nval_acc = []\n"
             "for frac in [0.2, 0.4, 0.6, 0.8]:\n    part = {source}.sample(frac=frac, random_state=0)\n"
             "    X_part = StandardScaler().fit_transform(part.drop('Churn', axis=1))\n"
             "    knn = KNeighborsClassifier(5).fit(X_part, part['Churn'])\n"
             "    val_acc.append(accuracy_score(y_val, knn.predict(X_val_s)))\nplt.plot(val_acc)")
    split = ("train_df, val_df = train_test_split(df, test_size=0.2, random_state=0)\n"
             "X_train, y_train = train_df.drop('Churn', axis=1), train_df['Churn']\n"
             "X_val, y_val = val_df.drop('Churn', axis=1), val_df['Churn']")
    assert "preprocessing-before-split" in rules(IMPORTS, LOAD, split, curve.format(source="df"))
    assert "preprocessing-before-split" not in rules(IMPORTS, LOAD, split, curve.format(source="train_df"))


def test_row_frames_appended_to_an_empty_frame_then_the_label_added():
    # Averaged word vectors, one row frame per message appended to an empty frame; the label column
    # is then added and the whole frame used as features.
    setup = ("import gensim\nsms = pd.read_csv('sms.csv')\ntokens = [t.lower().split() for t in sms['text']]\n"
             "w2v = gensim.models.Word2Vec(tokens, vector_size=50)\nvectors = []\n"
             "for doc in tokens:\n    vectors.append(np.mean([w2v.wv[w] for w in doc if w in w2v.wv], axis=0))")
    frame = ("df = pd.DataFrame()\nfor i in range(len(vectors)):\n"
             "    df = df.append(pd.DataFrame(vectors[i].reshape(1, -1)), ignore_index=True)\n"
             "df['Output'] = (sms['label'] == 'spam').values\ndf.dropna(inplace=True)")
    model = ("X = {features}\ny = df['Output']\n"
             "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)\n"
             "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, rf.predict(X_test)))")
    assert rules(IMPORTS, setup, frame, model.format(features="df")) == ["preprocessing-before-split", "target-leakage"]
    assert rules(IMPORTS, setup, frame, model.format(features="df.drop('Output', axis=1)")) == [
        "preprocessing-before-split"]


def test_univariate_forecasters_compared_on_the_last_months():
    series = ("from statsmodels.tsa.arima.model import ARIMA\nfrom sklearn.metrics import mean_squared_error\n"
              "sales = pd.read_csv('monthly.csv', parse_dates=['month'], index_col='month')['sales']\n"
              "train, test = sales[:-12], sales[-12:]")
    first = "m1 = ARIMA(train, order=(1, 1, 1)).fit()\nf1 = m1.forecast(steps=12)\nprint(np.sqrt(mean_squared_error(test, f1)))"
    second = ("m2 = ARIMA(train, order=(2, 1, 2)).fit()\nf2 = m2.forecast(steps=len(test))\n"
              "print(np.sqrt(mean_squared_error(test, f2)))")
    # The model learns from the target series alone: that is not the target among the features.
    assert rules(IMPORTS, series, first) == []
    assert rules(IMPORTS, series, first, second) == ["multi-test"]


def test_an_out_of_fold_target_encoding_with_a_global_mean_fill_learns_no_rows_own_label():
    encode = ("from sklearn.model_selection import StratifiedKFold\nfrom sklearn.metrics import roc_auc_score\n"
              "def encode(frame, col, target='Churn'):\n    out = frame.copy()\n    prior = out[target].mean()\n"
              "    out[col + '_te'] = np.nan\n"
              "    for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(out, out[target]):\n"
              "        means = out.iloc[tr].groupby(col)[target].mean()\n"
              "        out.loc[out.index[va], col + '_te'] = out.iloc[va][col].map(means)\n"
              "    out[col + '_te'] = out[col + '_te'].fillna(prior)\n    return out")
    leaky = encode.replace("out.loc[out.index[va], col + '_te'] = out.iloc[va][col].map(means)",
                           "out.loc[out.index[va], col + '_te'] = out.iloc[va][col].map(out.groupby(col)[target].mean())")
    model = ("df = encode(df, 'Contract')\nX, y = df.drop(columns=['Churn', 'Contract']), df['Churn']\n"
             "oof = np.zeros(len(X))\nfor tr, va in StratifiedKFold(5, shuffle=True, random_state=1).split(X, y):\n"
             "    m = LogisticRegression(max_iter=500).fit(X.iloc[tr], y.iloc[tr])\n"
             "    oof[va] = m.predict_proba(X.iloc[va])[:, 1]\nprint(roc_auc_score(y, oof))")
    load = "df = pd.read_csv('churn.csv')"
    assert rules(IMPORTS, load, encode, model) == []
    assert "preprocessing-before-split" in rules(IMPORTS, load, leaky, model)


def test_a_training_error_over_all_rows_does_not_make_a_train_only_scaler_a_leak():
    # The scaler saw only training rows; the "fit error" over all of X scores rows the model was
    # trained on too (an overlap diagnostic), but no held-out row the scaler saw.
    knn = ("from sklearn.neighbors import KNeighborsClassifier\n"
           "X_train, X_test = sc.transform(X_train), sc.transform(X_test)\n"
           "knn = KNeighborsClassifier(n_neighbors=7).fit(X_train, y_train)\n"
           "print('fit error', 1 - accuracy_score(y, knn.predict(X)))\n"
           "print('test error', 1 - accuracy_score(y_test, knn.predict(X_test)))")
    assert "preprocessing-before-split" not in rules(IMPORTS, LOAD, SPLIT, "sc = StandardScaler().fit(X_train)", knn)
    assert "preprocessing-before-split" in rules(IMPORTS, LOAD, SPLIT, "sc = StandardScaler().fit(X)", knn)


def test_next_value_regression_on_positional_slices_of_one_series_is_not_target_leakage():
    series = ("from sklearn.metrics import mean_squared_error\nclose = pd.read_csv('prices.csv')['close'].values\n"
              "cut = int(len(close) * 0.7)\ntrain, test = close[:cut], close[cut:]")
    lagged = ("reg = LinearRegression().fit(train[:-1].reshape(-1, 1), train[1:])\n"
              "print(mean_squared_error(test[1:], reg.predict(test[:-1].reshape(-1, 1))))")
    assert rules(IMPORTS, series, lagged) == []
    same = ("reg = LinearRegression().fit(train[1:].reshape(-1, 1), train[1:])\n"
            "print(mean_squared_error(test[1:], reg.predict(test[1:].reshape(-1, 1))))")
    assert rules(IMPORTS, series, same) == ["target-leakage"]


def test_functions_of_a_local_module_beside_the_notebook_are_analysed(write_nb, tmp_path):
    (tmp_path / "series_utils.py").write_text(
        "from sklearn.preprocessing import MinMaxScaler\n\n"
        "def scaled_split(features, target, train_share=0.8):\n"
        "    scaled = MinMaxScaler().fit_transform(features)\n    cut = int(len(scaled) * train_share)\n"
        "    return scaled[:cut], scaled[cut:], target[:cut], target[cut:]\n\n"
        "def plain_split(features, target, train_share=0.8):\n    cut = int(len(features) * train_share)\n"
        "    return features[:cut], features[cut:], target[:cut], target[cut:]\n")
    (tmp_path / "eval_utils.py").write_text(
        "def train_predict(classifier, train_features, train_labels, test_features):\n"
        "    classifier.fit(train_features, train_labels)\n    return classifier.predict(test_features)\n")
    ridge = ("from sklearn.linear_model import Ridge\nfrom sklearn.metrics import mean_absolute_error\n"
             "from series_utils import {helper}\nsales = pd.read_csv('sales.csv')\n"
             "X_tr, X_te, y_tr, y_te = {helper}(sales[['price', 'promo']], sales['units'], train_share=0.7)\n"
             "reg = Ridge().fit(X_tr, y_tr)\nprint(mean_absolute_error(y_te, reg.predict(X_te)))")
    leaky = lint_notebook(write_nb(IMPORTS, ridge.format(helper="scaled_split"), name="a.ipynb")).findings
    # Reported at the notebook's own call (the helper's lines are in another file).
    assert [(f.rule, f.cell, f.line) for f in leaky if f.rule != "unseeded-randomness"] == [
        ("preprocessing-before-split", 1, 5)]
    clean = lint_notebook(write_nb(IMPORTS, ridge.format(helper="plain_split"), name="b.ipynb")).findings
    assert [f.rule for f in clean if f.rule != "unseeded-randomness"] == []
    compare = ("import eval_utils as eu\nfrom sklearn.naive_bayes import GaussianNB\n" + LOAD + "\n" + SPLIT + "\n"
               "print(accuracy_score(y_test, eu.train_predict(LogisticRegression(), X_train, y_train, X_test)))\n"
               "print(accuracy_score(y_test, eu.train_predict(GaussianNB(), X_train, y_train, X_test)))")
    assert [f.rule for f in lint_notebook(write_nb(IMPORTS, compare, name="c.ipynb")).findings
            if f.rule != "unseeded-randomness"] == ["multi-test"]


def test_folds_kept_in_a_list_are_still_the_folds():
    # splits = list(skf.split(X, y)) reused by several loops: each X[va] is that fold's validation part.
    folds = ("from sklearn.model_selection import StratifiedKFold\nfrom sklearn.metrics import roc_auc_score\n"
             "X, y = df.drop(columns='Churn').values, df['Churn'].values\n"
             "splits = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))")
    loop = ("oof = np.zeros(len(y))\nfor fold, (tr, va) in enumerate(splits[:5], 1):\n"
            "    {scale}\n    m = LogisticRegression(max_iter=500).fit(Xs[tr], y[tr])\n"
            "    oof[va] = m.predict_proba(Xs[va])[:, 1]\nprint(roc_auc_score(y, oof))")
    leaky = loop.format(scale="Xs = X")
    assert rules(IMPORTS, LOAD, folds, "X = StandardScaler().fit_transform(X)", leaky) == ["preprocessing-before-split"]
    inside = loop.format(scale="sc = StandardScaler().fit(X[tr]); Xs = sc.transform(X)")
    assert rules(IMPORTS, LOAD, folds, inside) == []

# --- skipped cells ----------------------------------------------------------------------------
def test_a_seed_in_a_skipped_cell_does_not_seed_the_export():
    sources = (IMPORTS, "np.random.seed(0)", "noise = np.random.rand(10)")
    skipped = found(*sources, tags=[None, ["skip"], None])
    assert sorted((f.rule, f.cell) for f in skipped) == [("unseeded-randomness", 1), ("unseeded-randomness", 2)]
    assert "skip" in next(f for f in skipped if f.cell == 1).message
    assert found(*sources) == []


def test_state_defined_only_in_a_skipped_cell_is_a_hidden_state_finding():
    sources = ("threshold = 0.5", "print(threshold)")
    (f,) = found(*sources, tags=[["skip"], None])
    assert (f.rule, f.cell) == ("hidden-state", 1) and "'skip'" in f.message
    assert found(*sources) == []


# --- target leakage ---------------------------------------------------------------------------
def test_all_columns_as_features_keeps_the_target():
    for features in ["X = df[df.columns]", "X = df[list(df.columns)]", "cols = df.columns.tolist()\nX = df[cols]"]:
        cell = f"{features}\ny = df['Churn']"
        assert "target-leakage" in rules(IMPORTS, LOAD, cell, SPLIT, "LogisticRegression().fit(X_train, y_train)")
    for features in ["X = df[df.columns.drop('Churn')]", "X = df[[c for c in df.columns if c != 'Churn']]",
                     "X = df[df.columns.difference(['Churn'])]"]:
        cell = f"{features}\ny = df['Churn']"
        assert "target-leakage" not in rules(IMPORTS, LOAD, cell, SPLIT, "LogisticRegression().fit(X_train, y_train)")


def test_features_and_label_chosen_by_position():
    load = "df = pd.read_csv('diabetes.csv')"
    fit = "LogisticRegression().fit(X_train, y_train)"
    for features, label in [("df.iloc[:, 1:]", "df.iloc[:, -1]"), ("df.iloc[:, :].values", "df.iloc[:, -1].values"),
                            ("df.iloc[:, 0:]", "df.iloc[:, 2]")]:
        cell = f"X = {features}\ny = {label}"
        assert "target-leakage" in rules(IMPORTS, load, cell, SPLIT, fit), cell
    # X = iloc[:, :-1] with y = iloc[:, 1]: two columns, the label is the last (the count decides).
    for features, label in [("df.iloc[:, :-1]", "df.iloc[:, -1]"), ("df.iloc[:, 1:]", "df.iloc[:, 0]"),
                            ("df.iloc[:, :-1]", "df.iloc[:, 1]"),
                            ("df.iloc[:, 0:8]", "df.iloc[:, 8]"), ("df.iloc[:, :5]", "df.iloc[:, -1]")]:
        cell = f"X = {features}\ny = {label}"
        assert "target-leakage" not in rules(IMPORTS, load, cell, SPLIT, fit), cell
    arrays = "data = df.values\nX = data[:, 1:]\ny = data[:, -1]"
    assert "target-leakage" in rules(IMPORTS, load, arrays, SPLIT, fit)
    assert "target-leakage" not in rules(IMPORTS, load, arrays.replace("[:, 1:]", "[:, :-1]"), SPLIT, fit)


def test_a_drop_that_keeps_the_label():
    cell = "X = df.drop(columns=['customerID', 'TotalCharges'])\ny = df['Churn']"
    assert "target-leakage" in rules(IMPORTS, "df = pd.read_csv('churn.csv')", cell, SPLIT,
                                     "LogisticRegression().fit(X_train, y_train)")
    for drop in ["df.drop(['customerID', 'Churn'], 1)", "df.drop(['customerID', 'Churn'], axis=1)"]:
        cell = f"X = {drop}\ny = df['Churn']"
        assert "target-leakage" not in rules(IMPORTS, "df = pd.read_csv('churn.csv')", cell, SPLIT,
                                             "LogisticRegression().fit(X_train, y_train)")


def test_a_target_encoding_over_all_rows_is_target_leakage():
    enc = "df['city_rate'] = df.groupby('city')['Churn'].transform('mean')"
    feats = "X = df[['city_rate', 'tenure']]\ny = df['Churn']"
    assert "target-leakage" in rules(IMPORTS, "df = pd.read_csv('churn.csv')", enc, feats, SPLIT,
                                     "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))")
    # Encoded from the training rows' labels and mapped onto the test rows: no leak.
    clean = ("train, test = train_test_split(df, random_state=0)\n"
             "rates = train.groupby('city')['Churn'].mean()\n"
             "train['city_rate'] = train['city'].map(rates)\ntest['city_rate'] = test['city'].map(rates)\n"
             "m = LogisticRegression().fit(train[['city_rate', 'tenure']], train['Churn'])\n"
             "print(m.score(test[['city_rate', 'tenure']], test['Churn']))")
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", clean) == []


def test_a_rolling_mean_of_the_target_without_a_shift_holds_the_rows_own_target():
    load = "df = pd.read_csv('sales.csv', parse_dates=['date'])"
    roll = "df['roll7'] = df.groupby(['store'])['sales'].transform(lambda x: x.rolling(window=7, min_periods=1).mean())"
    feats = "X = df[['store', 'roll7']]\ny = df['sales']"
    fit = "RandomForestClassifier(random_state=0).fit(X, y)"
    assert "target-leakage" in rules(IMPORTS, load, roll, feats, fit)
    lagged = roll.replace("x.rolling", "x.shift(1).rolling")
    assert "target-leakage" not in rules(IMPORTS, load, lagged, feats, fit)
    other = roll.replace("['sales'].transform", "['price'].transform")
    assert "target-leakage" not in rules(IMPORTS, load, other, feats, fit)


def test_group_aggregates_of_the_target_merged_or_mapped_back_are_target_leakage():
    load = "train = pd.read_csv('train.csv')"
    helper = ("def aggregate(df, columns, on):\n    agg = df.groupby(columns).agg({on: ['mean', 'std']})\n"
              "    agg.columns = ['_'.join(c) for c in agg.columns.tolist()]\n"
              "    return pd.merge(df, agg, how='left', on=columns)\n"
              "train = aggregate(train, ['store', 'item'], 'sales')")
    feats = "X = train.drop(['sales', 'date'], axis=1)\ny = train['sales']"
    fit = "RandomForestClassifier(random_state=0).fit(X, y)"
    found_ = rules(IMPORTS, load, helper, feats, fit)
    assert "target-leakage" in found_
    assert "target-leakage" not in rules(IMPORTS, load, helper.replace("'sales')", "'price')"), feats, fit)
    mapped = "train['store_rate'] = train['store'].map(train.groupby('store')['sales'].mean())"
    assert "target-leakage" in rules(IMPORTS, load, mapped, feats, fit)
    assert "target-leakage" not in rules(IMPORTS, load, mapped.replace("['sales'].mean", "['price'].mean"), feats, fit)


def test_a_target_encoder_fit_on_rows_that_are_later_scored_is_target_leakage():
    enc = ("import category_encoders as ce\nfrom sklearn.model_selection import cross_val_score\n"
           "te = ce.TargetEncoder(cols=['city'])\nte.fit(X, y)\nX_enc = te.transform(X)")
    cv = "print(cross_val_score(RandomForestClassifier(random_state=0), X_enc, y, cv=5))"
    assert "target-leakage" in rules(IMPORTS, LOAD, enc, cv)
    split_first = ("import category_encoders as ce\nte = ce.TargetEncoder(cols=['city']).fit(X_train, y_train)\n"
                   "m = RandomForestClassifier(random_state=0).fit(te.transform(X_train), y_train)\n"
                   "print(m.score(te.transform(X_test), y_test))")
    assert rules(IMPORTS, LOAD, SPLIT, split_first) == []
    # scikit-learn's TargetEncoder.fit_transform cross-fits: no row is encoded with its own label.
    crossfit = ("from sklearn.preprocessing import TargetEncoder\nfrom sklearn.model_selection import cross_val_score\n"
                "X_enc = TargetEncoder().fit_transform(X[['city']], y)")
    assert "target-leakage" not in rules(IMPORTS, LOAD, crossfit, cv)


# --- user functions and aliasing --------------------------------------------------------------
def test_a_helper_that_clips_outliers_in_place_taints_the_callers_frame():
    helpers = ("def remove_outlier(frame, col):\n    q1, q3 = frame[col].quantile(0.25), frame[col].quantile(0.75)\n"
               "    iqr = q3 - q1\n    frame[col] = np.clip(frame[col], q1 - 1.5 * iqr, q3 + 1.5 * iqr)\n    return frame\n"
               "def treat_outliers_all(frame, cols):\n    for c in cols:\n        out = remove_outlier(frame, c)\n"
               "    return out")
    model = "print(LinearRegression().fit(X_train, y_train).score(X_test, y_test))"
    leaky = rules(IMPORTS, "df = pd.read_csv('cement.csv')", helpers, "df2 = treat_outliers_all(df, ['age', 'water'])",
                  "X, y = df2.drop('strength', axis=1), df2['strength']", SPLIT, model)
    assert set(leaky) == {"preprocessing-before-split"}
    # The same helper applied to the training split only.
    clean = rules(IMPORTS, "df = pd.read_csv('cement.csv')", helpers,
                  "X, y = df.drop('strength', axis=1), df['strength']", SPLIT,
                  "X_train = treat_outliers_all(X_train, ['age', 'water'])", model)
    assert clean == []


def test_a_helper_that_fills_columns_in_place_in_a_loop_taints_the_callers_frame():
    helper = ("cols = ['city', 'age', 'gender']\n"
              "def missing(df, columns):\n    for c in columns:\n        df[c].fillna(df[c].mode()[0], inplace=True)\n"
              "missing(train, cols)\nmissing(test, cols)")
    load = "train = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')"
    cv = ("from sklearn.model_selection import cross_val_score\nX, y = train.drop('churn', axis=1), train['churn']\n"
          "print(cross_val_score(LogisticRegression(), X, y, cv=5).mean())")
    assert rules(IMPORTS, load, helper, cv) == ["preprocessing-before-split"]
    assert rules(IMPORTS, load, cv) == []


def test_statistics_inside_a_replace_mapping_are_learned_from_all_rows():
    fill = "df['glucose'] = df['glucose'].replace({0: df['glucose'].median()})"
    model = "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))"
    assert rules(IMPORTS, LOAD.replace("\nX", f"\n{fill}\nX"), SPLIT, model) == ["preprocessing-before-split"]
    nan = "df['glucose'] = df['glucose'].replace({0: np.nan})"
    assert rules(IMPORTS, LOAD.replace("\nX", f"\n{nan}\nX"), SPLIT, model) == []


def test_a_helper_with_several_returns_under_branches_joins_them():
    helper = ("def prepare(frame, kind):\n    if kind == 'scaled':\n"
              "        return pd.DataFrame(StandardScaler().fit_transform(frame), columns=frame.columns)\n"
              "    elif kind == 'minmax':\n        return pd.DataFrame(MinMaxScaler().fit_transform(frame))\n"
              "    return frame")
    leaky = rules(IMPORTS, LOAD, helper, "X = prepare(X, 'scaled')", SPLIT,
                  "print(SVC().fit(X_train, y_train).score(X_test, y_test))")
    assert leaky == ["preprocessing-before-split"]


def test_functions_passed_to_pipe_and_apply_are_analysed():
    helper = ("def add_features(frame):\n    out = frame.copy()\n"
              "    out['tenure_z'] = (out['tenure'] - out['tenure'].mean()) / out['tenure'].std()\n    return out")
    model = "print(SVC().fit(X_train, y_train).score(X_test, y_test))"
    leaky = rules(IMPORTS, "df = pd.read_csv('churn.csv')", helper, "df = df.pipe(add_features)",
                  "X, y = df.drop('Churn', axis=1), df['Churn']", SPLIT, model)
    assert set(leaky) == {"preprocessing-before-split"}
    fill = ("med = df['tenure'].median()\ndef fill(v):\n    return med if pd.isna(v) else v\n"
            "df['tenure'] = df['tenure'].apply(fill)")
    assert set(rules(IMPORTS, "df = pd.read_csv('churn.csv')", fill, "X, y = df.drop('Churn', axis=1), df['Churn']",
                     SPLIT, model)) == {"preprocessing-before-split"}


def test_attributes_of_notebook_classes_carry_what_was_learned():
    cls = ("class Scaler:\n    def fit(self, X):\n        self.mean_ = X.mean()\n        self.std_ = X.std()\n"
           "        return self\n    def transform(self, X):\n        return (X - self.mean_) / self.std_")
    model = "print(SVC().fit(X_train, y_train).score(X_test, y_test))"
    leaky = rules(IMPORTS, LOAD, cls, "X = Scaler().fit(X).transform(X)", SPLIT, model)
    assert set(leaky) == {"preprocessing-before-split"}
    clean = rules(IMPORTS, LOAD, cls, SPLIT, "sc = Scaler().fit(X_train)\nX_train, X_test = sc.transform(X_train), "
                  "sc.transform(X_test)", model)
    assert clean == []


def test_data_generators_with_several_returns_unpack():
    gen = ("from sklearn.datasets import make_regression\n"
           "X, y, coef = make_regression(n_samples=200, n_features=3, coef=True, random_state=0)\n"
           "X = StandardScaler().fit_transform(X)\n"
           "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
           "print(LinearRegression().fit(X_train, y_train).score(X_test, y_test))")
    assert rules(IMPORTS, gen) == ["preprocessing-before-split"]


def test_random_generator_draws_make_data_and_seeded_generators_are_seeded():
    cell = ("rng = np.random.default_rng(0)\nX = rng.normal(size=(100, 3))\ny = (X[:, 0] > 0).astype(int)\n"
            "m = LogisticRegression().fit(X, y)\nprint(accuracy_score(y, m.predict(X)))")
    assert [(f.rule) for f in found(IMPORTS, cell)] == ["overlap"]  # no unseeded-randomness
    cell2 = "rs = np.random.RandomState(42)\nnoise = rs.normal(0, 1, 100)\nprint(noise.mean())"
    assert found(IMPORTS, cell2) == []


def test_star_imports_still_resolve_library_names():
    cell = ("from sklearn.preprocessing import *\nfrom sklearn.linear_model import *\n"
            "X = StandardScaler().fit_transform(X)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "print(LogisticRegression().fit(X_train, y_train).score(X_test, y_test))")
    assert rules(IMPORTS, LOAD, cell) == ["preprocessing-before-split"]


def test_statsmodels_and_patsy_formulas():
    smf = ("import statsmodels.formula.api as smf\ndf['tenure'] = df['tenure'].fillna(df['tenure'].mean())\n"
           "train, test = train_test_split(df, test_size=0.2, random_state=1)\n"
           "res = smf.ols('Churn ~ tenure + C(contract)', data=train).fit()\n"
           "print(r2_score(test['Churn'], res.predict(test)))")
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", smf) == ["preprocessing-before-split"]
    clean = smf.replace("df['tenure'] = df['tenure'].fillna(df['tenure'].mean())\n", "")
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", clean) == []
    sm = ("import statsmodels.api as sm\nX_train_c = sm.add_constant(X_train)\n"
          "res = sm.OLS(y_train, X_train_c).fit()\nprint(res.summary())\n"
          "print(r2_score(y_train, res.predict(X_train_c)))")
    assert rules(IMPORTS, LOAD, SPLIT, sm) == []  # training fit reported as such: not an overlap
    patsy = ("from patsy import dmatrices\ny, X = dmatrices('Churn ~ tenure + Churn_flag', df, return_type='dataframe')\n"
             "df['Churn_flag'] = df['Churn'] > 0\n"
             "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
             "LogisticRegression().fit(X_train, y_train)")
    assert rules(IMPORTS, "df = pd.read_csv('churn.csv')", patsy) == ["target-leakage"]


def test_pytorch_training_and_evaluation_loops():
    torch = ("import torch\nfrom torch import nn\nfrom torch.utils.data import TensorDataset, DataLoader\n"
             "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.fc = nn.Linear(10, 1)\n    def forward(self, x):\n        return self.fc(x)\n"
             "model = Net()\nopt = torch.optim.Adam(model.parameters())\nloss_fn = nn.BCEWithLogitsLoss()\n"
             "loader = DataLoader(TensorDataset(torch.tensor(X_train.values), torch.tensor(y_train.values)), batch_size=32)\n"
             "for epoch in range(5):\n    for xb, yb in loader:\n        opt.zero_grad()\n"
             "        loss = loss_fn(model(xb), yb)\n        loss.backward()\n        opt.step()")
    evaluate = ("with torch.no_grad():\n    preds = model(torch.tensor({x}.values)) > 0\n"
                "print(accuracy_score({y}, preds))")
    assert rules(IMPORTS, LOAD, SPLIT, torch, evaluate.format(x="X_test", y="y_test")) == []
    assert rules(IMPORTS, LOAD, SPLIT, torch, evaluate.format(x="X_train", y="y_train")) == []  # training score
    scaled = "X = pd.DataFrame(StandardScaler().fit_transform(X))"
    assert rules(IMPORTS, LOAD, scaled, SPLIT, torch, evaluate.format(x="X_test", y="y_test")) == [
        "preprocessing-before-split"]


def test_scoring_all_rows_with_the_last_folds_model_is_overlap():
    # After a manual KFold loop, the last fold's model is scored on all of X: its training rows too.
    cell = ("from sklearn.model_selection import StratifiedKFold\n"
            "for tr, va in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
            "    lr = LogisticRegression().fit(X.iloc[tr], y.iloc[tr])\n"
            "    print(accuracy_score(y.iloc[va], lr.predict(X.iloc[va])))")
    after = "print(classification_report(y, lr.predict(X)))"
    assert rules(IMPORTS, LOAD, cell, after) == ["overlap"]
    assert rules(IMPORTS, LOAD, cell) == []
    assert rules(IMPORTS, LOAD, cell.replace("    print(accuracy_score(y.iloc[va], lr.predict(X.iloc[va])))", ""),
                 after) == ["overlap"]


# --- hazards ----------------------------------------------------------------------------------
def test_an_absolute_path_kept_in_a_configuration_class_is_read_from():
    config = ("class Config:\n    SEED = 7\n    INPUT_DIR = '/kaggle/input/churn-prediction'\n"
              "    TRAIN_FILE = INPUT_DIR + '/train.csv'\n    TEST_FILE = 'data/test.csv'\n    TARGET = 'Churn'")
    cells = (IMPORTS, config, "train = pd.read_csv(Config.TRAIN_FILE)\ntrain[Config.TARGET].value_counts()")
    hits = [f for f in found(*cells) if f.rule == "absolute-path"]
    assert [(f.cell, "/kaggle/input/churn-prediction/train.csv" in f.message) for f in hits] == [(2, True)]
    # An instance of the configuration reads its class attributes too.
    via_instance = (IMPORTS, config, "cfg = Config()\ntrain = pd.read_csv(cfg.TRAIN_FILE)")
    assert [f.cell for f in found(*via_instance) if f.rule == "absolute-path"] == [2]
    relative = (IMPORTS, config, "test = pd.read_csv(Config.TEST_FILE)\ntest.head()")
    assert [f for f in found(*relative) if f.rule == "absolute-path"] == []


# --- held-out set 2 (heldout-a / heldout-b classes) --------------------------------------------
def test_in_place_fills_through_attribute_access_are_learned_from_all_rows():
    # trips.Income.fillna(trips.Income.median(), inplace=True): the column reached as an attribute
    # is the frame's own column, so the frame changes.
    fills = ("trips.Income.fillna(trips.Income.median(), inplace=True)\n"
             "trips.Channel.fillna(trips.Channel.mode()[0], inplace=True)")
    model = ("X = trips.drop(['Booked'], axis=1)\ny = trips['Booked']\n"
             "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=1)\n"
             "clf = LogisticRegression().fit(X_tr, y_tr)\nprint(accuracy_score(y_te, clf.predict(X_te)))")
    leaky = found(IMPORTS, "trips = pd.read_csv('trips.csv')", fills, model)
    assert [(f.rule, f.cell, f.line) for f in leaky if f.rule != "unseeded-randomness"] == [
        ("preprocessing-before-split", 2, 1), ("preprocessing-before-split", 2, 2)]
    # Filled after the split from the training rows' median: clean.
    after = ("X = trips.drop(['Booked'], axis=1)\ny = trips['Booked']\n"
             "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=1)\n"
             "X_tr.Income.fillna(X_tr.Income.median(), inplace=True)\n"
             "X_te.Income.fillna(X_tr.Income.median(), inplace=True)\n"
             "clf = LogisticRegression().fit(X_tr, y_tr)\nprint(accuracy_score(y_te, clf.predict(X_te)))")
    assert rules(IMPORTS, "trips = pd.read_csv('trips.csv')", after) == []


def test_rows_from_dataset_loaders_outside_scikit_learn_are_data():
    # seaborn's and statsmodels' example-data loaders, openml frames and Excel/parquet files are rows.
    two_models = ("X = bills[['tip', 'size']]\ny = bills['total_bill']\n"
                  "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=10)\n"
                  "from sklearn.svm import SVR\nfrom sklearn.model_selection import GridSearchCV\n"
                  "svr = SVR().fit(X_train, y_train)\nprint(r2_score(y_test, svr.predict(X_test)))\n"
                  "grid = GridSearchCV(SVR(), {'C': [1, 10, 100]}, refit=True)\ngrid.fit(X_train, y_train)\n"
                  "print(r2_score(y_test, grid.predict(X_test)))")
    one_model = two_models.split("grid = ")[0]
    scaled = ("X = StandardScaler().fit_transform(bills[['tip', 'size']])\ny = bills['total_bill']\n"
              "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=10)\n"
              "lr = LinearRegression().fit(X_train, y_train)\nprint(r2_score(y_test, lr.predict(X_test)))")
    loaders = ["import seaborn as sns\nbills = sns.load_dataset('tips')",
               "import statsmodels.api as sm\nbills = sm.datasets.get_rdataset('tips', 'reshape2').data",
               "from sklearn.datasets import fetch_openml\nbills = fetch_openml('tips', as_frame=True).frame",
               "bills = pd.read_excel('tips.xlsx', sheet_name=0)",
               "bills = pd.read_parquet('tips.parquet')"]
    for load in loaders:
        assert rules(IMPORTS, load, two_models) == ["multi-test"], load
        assert rules(IMPORTS, load, one_model) == [], load
        assert rules(IMPORTS, load, scaled) == ["preprocessing-before-split"], load


def test_a_branch_that_no_call_takes_is_not_analysed_as_taken():
    # The scaling branch runs only when a caller passes scale=True: the default decides.
    helper = ("def fit_and_score(model, frame, features, label, scale=False):\n    X = frame[features]\n"
              "    if scale:\n        X = (X - X.mean()) / X.std()\n"
              "    X_tr, X_te, y_tr, y_te = train_test_split(X, frame[label], random_state=0)\n"
              "    return model.fit(X_tr, y_tr).score(X_te, y_te)")
    load = "people = pd.read_csv('people.csv')"
    call = "fit_and_score(LogisticRegression(), people, ['height', 'weight'], 'is_male'{})"
    assert rules(IMPORTS, load, helper, call.format("")) == []
    for scaling in (", scale=True", ", True"):  # by keyword or by position
        assert rules(IMPORTS, load, helper, call.format(scaling)) == ["preprocessing-before-split"]


def test_training_split_accuracy_beside_a_held_out_score_is_not_overlap():
    # A CV helper leaves the last fold's model; its accuracy on the training split is printed as
    # "train accuracy" beside the test accuracy: a diagnostic, not the reported score.
    cv = ("from sklearn.model_selection import StratifiedKFold\n"
          "def cv_score(clf, x, y):\n    total = 0\n"
          "    for tr, va in StratifiedKFold(n_splits=5).split(x, y):\n        clf.fit(x[tr], y[tr])\n"
          "        total += accuracy_score(clf.predict(x[va]), y[va])\n    return total / 5")
    report = ("clf = LogisticRegression()\nprint('cv', cv_score(clf, X_train, y_train))\n"
              "print('train accuracy', clf.score(X_train, y_train))\n"
              "print('test accuracy', accuracy_score(clf.predict(X_test), y_test))")
    assert rules(IMPORTS, LOAD, SPLIT, cv, report) == []
    # All rows (not the training split) scored by the last fold's model: its training rows and more.
    all_rows = report.replace("clf.score(X_train, y_train)", "clf.score(X, y)")
    assert rules(IMPORTS, LOAD, SPLIT, cv, all_rows) == ["overlap"]


def test_a_split_redrawn_in_each_iteration_is_not_a_reused_test_set():
    study = ("f1s = []\nfor n_neg in [300, 600, 1200]:\n"
             "    sample = pd.concat([df[df['Churn'] == 0].sample(n_neg), df[df['Churn'] == 1]])\n"
             "    X_tr, X_te, y_tr, y_te = train_test_split(sample.drop(columns='Churn'), sample['Churn'], test_size=0.3)\n"
             "    model = LogisticRegression(max_iter=500).fit(X_tr, y_tr)\n"
             "    f1s.append(accuracy_score(y_te, model.predict(X_te)))")
    load = "df = pd.read_csv('churn.csv')"
    assert rules(IMPORTS, load, study) == []
    by_seed = study.replace("test_size=0.3)", "test_size=0.3, random_state=n_neg)")
    assert rules(IMPORTS, load, by_seed) == []
    by_size = ("for frac in [0.1, 0.2, 0.3]:\n"
               "    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=frac, random_state=0)\n"
               "    print(frac, LogisticRegression().fit(X_tr, y_tr).score(X_te, y_te))")
    assert rules(IMPORTS, LOAD, by_size) == []
    # The split above the loop: one test set scores every setting.
    hoisted = ("X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3)\n"
               "for C in [0.1, 1, 10]:\n    print(C, LogisticRegression(C=C).fit(X_tr, y_tr).score(X_te, y_te))")
    assert rules(IMPORTS, LOAD, hoisted) == ["multi-test"]
    # The same seeded split redrawn in every iteration is the same rows.
    seeded = ("for C in [0.1, 1, 10]:\n"
              "    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)\n"
              "    print(C, LogisticRegression(C=C).fit(X_tr, y_tr).score(X_te, y_te))")
    assert rules(IMPORTS, LOAD, seeded) == ["multi-test"]
    # A loop over candidate models, each scored on its own freshly drawn split: no test set is reused.
    per_model = ("for m in [LogisticRegression(), SVC()]:\n"
                 "    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3)\n"
                 "    print(m.fit(X_tr, y_tr).score(X_te, y_te))")
    assert rules(IMPORTS, LOAD, per_model) == []
    assert rules(IMPORTS, LOAD, per_model.replace("test_size=0.3)", "test_size=0.3, random_state=0)")) == [
        "multi-test"]
    # A fresh split per seed, but several settings compared on each: still a choice on that test set.
    nested = ("for seed in [1, 2]:\n    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)\n"
              "    for C in [0.1, 1, 10]:\n        print(C, LogisticRegression(C=C).fit(X_tr, y_tr).score(X_te, y_te))")
    assert rules(IMPORTS, LOAD, nested) == ["multi-test"]


def test_a_working_directory_changed_to_an_absolute_path():
    chdir = ("import os\nos.chdir('D:\\\\work\\\\churn-study')\ncustomers = pd.read_csv('data/customers.csv')")
    hits = [f for f in found(IMPORTS, chdir) if f.rule == "absolute-path"]
    assert [(f.cell, f.line) for f in hits] == [(1, 2)] and "os.chdir" in hits[0].message
    posix = "%cd /home/ana/projects/churn\norders = pd.read_excel('./orders.xlsx')"
    assert [(f.rule, f.line) for f in found(IMPORTS, posix) if f.rule == "absolute-path"] == [("absolute-path", 1)]
    relative = ("import os, tempfile\nos.chdir('..')\nos.chdir(os.path.dirname(os.path.abspath('nb.ipynb')))\n"
                "os.chdir(tempfile.mkdtemp())\ncustomers = pd.read_csv('data/customers.csv')")
    assert [f for f in found(IMPORTS, relative) if f.rule == "absolute-path"] == []


def test_files_opened_through_pathlib_or_str_of_a_path_are_reads():
    cells = ("import json\nfrom pathlib import Path\nimport cv2",
             "ROOT = Path('/kaggle/input/debris-challenge')\nANN = ROOT / 'annotations.json'",
             "with ANN.open() as fh:\n    meta = json.load(fh)\nfirst = cv2.imread(str(ROOT / meta['images'][0]['file_name']))")
    assert [(f.cell, f.line) for f in found(*cells) if f.rule == "absolute-path"] == [(2, 1), (2, 3)]
    local = (cells[0], "ROOT = Path('data/debris')\nANN = ROOT / 'annotations.json'", cells[2])
    assert [f for f in found(*local) if f.rule == "absolute-path"] == []


def test_pip_run_through_subprocess_and_unpinned_vcs_urls():
    cell = ("import subprocess, sys\n"
            "subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'torch==2.5.1'], check=True)\n"
            "subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'git+https://github.com/example/detector.git'], check=True)\n"
            "subprocess.run([sys.executable, '-m', 'pip', 'install', 'pydicom'], check=True)\n"
            "subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'git+https://github.com/example/seg.git@3f2c9ab'])")
    hits = [f for f in found(cell) if f.rule == "unpinned-install"]
    assert [f.line for f in hits] == [3, 4]
    assert "git+https://github.com/example/detector.git" in hits[0].message


def test_gensim_embeddings_learn_from_the_documents_they_are_trained_on():
    load = ("import gensim\nreviews = pd.read_csv('reviews.csv')\n"
            "tokens = [t.lower().split() for t in reviews['text']]")
    features = ("X = np.array([np.mean([w2v.wv[w] for w in doc if w in w2v.wv], axis=0) for doc in tokens])\n"
                "y = reviews['positive'].values\n"
                "X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)\n"
                "rf = RandomForestClassifier(random_state=0).fit(X_tr, y_tr)\n"
                "print(accuracy_score(y_te, rf.predict(X_te)))")
    leaky = found(IMPORTS, load, "w2v = gensim.models.Word2Vec(tokens, vector_size=50)", features)
    assert [(f.rule, f.cell, f.line) for f in leaky if f.rule != "unseeded-randomness"] == [
        ("preprocessing-before-split", 2, 1)]
    two_step = ("from gensim.models import Word2Vec\nw2v = Word2Vec(vector_size=50)\nw2v.build_vocab(tokens)\n"
                "w2v.train(tokens, total_examples=len(tokens), epochs=5)")
    assert rules(IMPORTS, load, two_step, features) == ["preprocessing-before-split"]
    # Trained on the training documents only (split first): clean.
    split_first = ("idx_tr, idx_te = train_test_split(np.arange(len(reviews)), test_size=0.25, random_state=0)\n"
                   "docs_tr = [tokens[i] for i in idx_tr]\n"
                   "w2v = gensim.models.Word2Vec(docs_tr, vector_size=50)")
    assert rules(IMPORTS, load, split_first) == []
    # A pretrained embedding loaded from disk learned nothing from these rows.
    pretrained = "w2v = gensim.models.KeyedVectors.load_word2vec_format('vectors.bin', binary=True)"
    assert rules(IMPORTS, load, pretrained, features.replace("w2v.wv", "w2v")) == []


def test_a_formula_model_fit_on_all_rows_and_scored_on_the_test_split_is_another_model_compared():
    sklearn = "lr = LogisticRegression().fit(X_train, y_train)\nprint(lr.score(X_test, y_test))"
    glm = ("import statsmodels.api as sm\nimport statsmodels.formula.api as smf\n"
           "glm = smf.glm('Churn ~ tenure + charges', data={frame}, family=sm.families.Binomial()).fit()\n"
           "y_hat = (glm.predict(X_test) > 0.5).astype(int)\nprint(classification_report(y_test, y_hat))")
    # Fit on every row: scored on the test split it was fit on (overlap), and a second model compared there.
    assert rules(IMPORTS, LOAD, SPLIT, sklearn, glm.format(frame="df")) == ["multi-test", "overlap"]
    assert rules(IMPORTS, LOAD, SPLIT, glm.format(frame="df")) == ["overlap"]
    train_frame = "train_frame = pd.concat([X_train, y_train], axis=1)"
    assert rules(IMPORTS, LOAD, SPLIT, train_frame, sklearn, glm.format(frame="train_frame")) == ["multi-test"]
    assert rules(IMPORTS, LOAD, SPLIT, train_frame, glm.format(frame="train_frame")) == []


def test_settings_tuned_on_all_rows_then_cross_validated_on_the_same_rows_is_multi_test():
    search = ("from sklearn.model_selection import RandomizedSearchCV, cross_val_score\n"
              "search = RandomizedSearchCV(RandomForestClassifier(random_state=0), {'max_depth': [3, 5, 8], 'n_estimators': [50, 100]},\n"
              "                            n_iter=4, scoring='roc_auc', cv=5, random_state=0)\n"
              "search.fit(X, y)\nsearch.best_params_")
    rescore = ("best = RandomForestClassifier(max_depth=5, n_estimators=100, random_state=0)\n"
               "scores = cross_val_score(best, X, y, cv=10)\nscores.mean()")
    found_here = found(IMPORTS, LOAD, search, rescore)
    assert [(f.rule, f.cell) for f in found_here] == [("multi-test", 3)]
    assert "chose" in found_here[0].message
    # Nested: the search itself is what is cross-validated (the outer folds never chose anything).
    nested = "print(cross_val_score(search, X, y, cv=5).mean())"
    assert rules(IMPORTS, LOAD, search.replace("search.fit(X, y)\n", ""), nested) == []
    # Tuned on the training split, the chosen model's CV there, then one score on the untouched test set.
    on_train = search.replace("search.fit(X, y)", "search.fit(X_train, y_train)")
    final = (rescore.replace("X, y, cv=10", "X_train, y_train, cv=10")
             + "\nprint(best.fit(X_train, y_train).score(X_test, y_test))")
    assert rules(IMPORTS, LOAD, SPLIT, on_train, final) == []
    # Without the search, a cross-validation alone chooses nothing.
    assert rules(IMPORTS, LOAD, search.split("search =")[0], rescore) == []


def test_polars_style_row_filters_and_column_selects():
    # frame.filter(<condition>) keeps rows (polars, PySpark); frame.select([...]) keeps columns.
    load = ("import polars as pl\nfrom datetime import timedelta\nfrom sklearn.linear_model import Ridge\n"
            "from sklearn.metrics import mean_absolute_error\nweekly = pl.read_parquet('weekly.parquet')")
    split = ("cut = weekly['week'].max() - timedelta(weeks=8)\n"
             "train = weekly.filter(pl.col('week') <= cut)\nhold = weekly.filter(pl.col('week') > cut)")
    model = ("m = Ridge().fit(train.select(['price', 'promo']).to_numpy(), train['sales'].to_numpy())\n"
             "print(mean_absolute_error(hold['sales'].to_numpy(), m.predict(hold.select(['price', 'promo']).to_numpy())))")
    assert rules(IMPORTS, load, split, model) == []
    # The label among the selected columns is still target leakage.
    assert rules(IMPORTS, load, split, model.replace("['price', 'promo']", "['price', 'sales']")) == ["target-leakage"]
    # Statistics over every week written into the frame before the cut leak into the hold-out weeks.
    scaled = "weekly = weekly.with_columns((pl.col('price') - weekly['price'].mean()) / weekly['price'].std())"
    assert rules(IMPORTS, load, scaled, split, model) == ["preprocessing-before-split"]
    # pandas' own filter(items=...) still selects columns.
    assert rules(IMPORTS, LOAD.replace("X = df.drop('Churn', axis=1)", "X = df.filter(items=['tenure', 'Churn'])"),
                 SPLIT, "LogisticRegression().fit(X_train, y_train)") == ["target-leakage"]


def test_a_feature_list_changed_in_place_drops_the_target():
    # heldout-d class 6: list(df.columns) then .remove(target) mutates the list the frame is indexed with.
    calls = ("from sklearn.linear_model import LogisticRegression\ncalls = pd.read_csv('calls.csv')\n"
             "y = calls['subscribed']")
    fit = "X = calls[cols]\nlr = LogisticRegression().fit(X, y)"
    for removal in ("cols.remove('subscribed')", "cols.pop(cols.index('subscribed'))", "del cols[-1]"):
        assert rules(IMPORTS, calls, "cols = list(calls.columns)\n" + removal, fit) == [], removal
    assert rules(IMPORTS, calls, "cols = ['age', 'calls', 'subscribed']\ncols.remove('subscribed')", fit) == []
    # Another column removed: the target is still among the features.
    assert rules(IMPORTS, calls, "cols = list(calls.columns)\ncols.remove('id')", fit) == ["target-leakage"]
    assert rules(IMPORTS, calls, "features = ['age', 'subscribed']\ncols = list(features)\n"
                 "cols.remove('subscribed')\nX_all = calls[features]", fit,
                 "bad = LogisticRegression().fit(X_all, y)") == ["target-leakage"]


def test_selections_by_disjoint_ranges_of_one_column_are_a_split_by_period():
    # heldout-d class 4: train = month < 33, valid = month == 33, test = month == 34.
    monthly = ("from sklearn.metrics import mean_squared_error\nmonthly = pd.read_pickle('monthly.pkl')\n"
               "LAST = 33")
    parts = ("X_fit = monthly[monthly.month < 33].drop(['sold'], axis=1)\ny_fit = monthly[monthly.month < 33]['sold']\n"
             "X_val = monthly[monthly.month == LAST].drop(['sold'], axis=1)\ny_val = monthly[monthly.month == LAST]['sold']")
    fit = "lin = LinearRegression().fit(X_fit, y_fit)\nprint(mean_squared_error(y_val, lin.predict(X_val)))"
    assert rules(IMPORTS, monthly, parts, fit) == []
    window = parts.replace("monthly.month < 33", "(monthly.month >= 20) & (monthly.month <= 32)")
    assert rules(IMPORTS, monthly, window, fit) == []
    # Ranges that meet (<= 33 holds month 33) share rows: the validation month was trained on.
    assert rules(IMPORTS, monthly, parts.replace("< 33", "<= 33"), fit) == ["overlap"]
    # Two periods scored by two models: the same validation month, compared.
    two = fit + "\nrf = RandomForestClassifier().fit(X_fit, y_fit)\nprint(mean_squared_error(y_val, rf.predict(X_val)))"
    assert rules(IMPORTS, monthly, parts, two) == ["multi-test"]


def test_a_scaler_fit_on_the_training_split_then_cv_inside_it_with_a_clean_test_reported():
    # heldout-d class 3: CV inside the training split only chose settings; the reported score is clean.
    scale = "sc = StandardScaler()\nX_train = sc.fit_transform(X_train)\nX_test = sc.transform(X_test)"
    cv = ("from sklearn.model_selection import cross_val_score\n"
          "print(cross_val_score(RandomForestClassifier(random_state=0), X_train, y_train, cv=5).mean())")
    final = ("forest = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, forest.predict(X_test)))")
    assert rules(IMPORTS, LOAD, SPLIT, scale, cv, final) == []
    # A re-split of the training rows (a stacked model's own hold-out) is inside the split too.
    inner = ("X_a, X_b, y_a, y_b = train_test_split(X_train, y_train, test_size=0.3, random_state=1)\n"
             "lr = LogisticRegression().fit(X_a, y_a)\nprint(accuracy_score(y_b, lr.predict(X_b)))")
    assert rules(IMPORTS, LOAD, SPLIT, scale, inner, final) == []
    # The test rows scaled by a scaler re-fit on them: that score is not clean, the CV one is reported.
    refit = scale.replace("sc.transform(X_test)", "StandardScaler().fit_transform(X_test)")
    assert "preprocessing-before-split" in rules(IMPORTS, LOAD, SPLIT, refit, cv, final)
    # No held-out test scored: the CV mean is the reported score and the scaler saw its folds.
    assert rules(IMPORTS, LOAD, SPLIT, scale, cv) == ["preprocessing-before-split"]
    # The scaler fit before the split saw the test rows too.
    before = "X = StandardScaler().fit_transform(X)"
    assert "preprocessing-before-split" in rules(IMPORTS, LOAD, before, SPLIT, cv, final)


def test_a_statistic_rounded_or_converted_still_comes_from_the_rows():
    # heldout-d class 2: int()/round()/math.floor around a fill value, and a comprehension over a
    # model's predictions before they fill a column.
    permits = "import math\npermits = pd.read_csv('permits.csv')"
    tail = ("X = permits.drop('cost', axis=1)\ny = permits['cost']\n" + SPLIT +
            "\nreg = LinearRegression().fit(X_train, y_train)\nprint(r2_score(y_test, reg.predict(X_test)))")
    for fill in ("int(permits['area'].mean())", "round(permits['area'].mean(), 1)",
                 "math.floor(permits['area'].median())", "np.round(permits.area.mean())"):
        assert rules(IMPORTS, permits, f"permits['area'].fillna({fill}, inplace=True)", tail) == \
            ["preprocessing-before-split"], fill
    imputer = ("known = permits.dropna()\nunknown = permits[permits['year'].isnull()]\n"
               "filler = LinearRegression().fit(known[['lot']], known['year'])\n"
               "guess = [math.floor(g) for g in filler.predict(unknown[['lot']])]\n"
               "permits.loc[permits['year'].isnull(), 'year'] = guess")
    assert rules(IMPORTS, permits, imputer, tail) == ["preprocessing-before-split"]
    # A constant fill, or a list of constants, learns nothing.
    assert rules(IMPORTS, permits, "permits['area'].fillna(int(0.5), inplace=True)", tail) == []
    assert rules(IMPORTS, permits, "permits.loc[permits['year'].isnull(), 'year'] = [2000 for _ in range(3)]",
                 tail) == []
    # The rows of each class, re-balanced and stacked: not a split; a scaler fit on them saw the test rows.
    balance = ("few = df[df.Churn == 1]\nmany = df[df.Churn == 0].sample(n=len(few), random_state=0)\n"
               "df = pd.concat([few, many])\nX = MinMaxScaler().fit_transform(df.drop('Churn', axis=1))\ny = df['Churn']")
    fit_once = "m = LogisticRegression().fit(X_train, y_train)\nprint(accuracy_score(y_test, m.predict(X_test)))"
    assert rules(IMPORTS, LOAD, balance, SPLIT, fit_once) == ["preprocessing-before-split"]


def test_settings_compared_by_cross_validation_over_the_same_folds():
    # heldout-d class 1: k chosen by CV over the same folds that then score the chosen k.
    cv = "from sklearn.model_selection import cross_val_score, LeaveOneGroupOut\nfrom sklearn.neighbors import KNeighborsClassifier"
    loop = ("means = []\nfor k in range(1, 21):\n"
            "    means.append(cross_val_score(KNeighborsClassifier(n_neighbors=k), X, y, cv=10).mean())")
    chosen = "best = KNeighborsClassifier(n_neighbors=12)\nprint(cross_val_score(best, X, y, cv=10).mean())"
    assert rules(IMPORTS, cv, LOAD, loop, chosen) == ["multi-test"]
    # Models compared by CV with nothing re-scored is how a choice should be made (labelling protocol).
    assert rules(IMPORTS, cv, LOAD, loop) == []
    assert rules(IMPORTS, cv, LOAD, "print(cross_val_score(SVC(C=1), X, y, cv=5).mean())",
                 "print(cross_val_score(SVC(C=10), X, y, cv=5).mean())") == []
    # One fixed model cross-validated once (or twice, with another metric) chooses nothing.
    assert rules(IMPORTS, cv, LOAD, chosen) == []
    assert rules(IMPORTS, cv, LOAD, chosen, "print(cross_val_score(best, X, y, cv=10, scoring='f1').mean())") == []
    # Chosen on the training split's folds, then scored once on an untouched test split.
    inner = loop.replace("X, y, cv=10", "X_train, y_train, cv=10")
    final = ("best = KNeighborsClassifier(n_neighbors=12).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, best.predict(X_test)))")
    assert rules(IMPORTS, cv, LOAD, SPLIT, inner, final) == []
    # A helper's own fold loop, called with three settings.
    helper = ("def by_group(X, y, groups, depth):\n    accs = []\n"
              "    for tr, te in LeaveOneGroupOut().split(X, y, groups):\n"
              "        m = RandomForestClassifier(max_depth=depth, random_state=0).fit(X.iloc[tr], y.iloc[tr])\n"
              "        accs.append(accuracy_score(y.iloc[te], m.predict(X.iloc[te])))\n    return np.mean(accs)")
    calls = "\n".join(f"print(by_group(X, y, df['region'], {d}))" for d in (2, 5, 10))
    assert rules(IMPORTS, cv, LOAD, helper, calls) == ["multi-test"]
    assert rules(IMPORTS, cv, LOAD, helper, "print(by_group(X, y, df['region'], 5))") == []


def test_a_parsed_date_made_the_index_is_a_time_series_on_its_own():
    # heldout-d class 7: daily prices indexed by their date, calendar features, shuffled split.
    prices = ("from sklearn.ensemble import RandomForestRegressor\npx = pd.read_csv('prices.csv')\n"
              "px['Date'] = pd.to_datetime(px['Date'])\npx.set_index('Date', inplace=True)\npx['dow'] = px.index.dayofweek")
    model = ("X = px.drop(columns=['Close'])\ny = px['Close']\n"
             "Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.2, random_state=0)\n"
             "rf = RandomForestRegressor(random_state=0).fit(Xa, ya)\nprint(r2_score(yb, rf.predict(Xb)))")
    assert rules(IMPORTS, prices, model) == ["temporal"]
    read = "from sklearn.ensemble import RandomForestRegressor\npx = pd.read_csv('prices.csv', index_col='Date', parse_dates=True)"
    assert rules(IMPORTS, read, model) == ["temporal"]
    # A parsed date kept as a column (customers' signup dates), customers split at random: not a series.
    signup = ("from sklearn.ensemble import RandomForestRegressor\npx = pd.read_csv('customers.csv')\n"
              "px['Date'] = pd.to_datetime(px['Date'])\npx['dow'] = px['Date'].dt.dayofweek\npx = px.drop(columns=['Date'])")
    assert rules(IMPORTS, signup, model) == []
    # Split in time order: fine.
    assert rules(IMPORTS, prices, model.replace("random_state=0)\n", "shuffle=False)\n", 1)) == []


def test_a_python_2_builtin_is_named_as_such_not_as_hidden_state():
    # heldout-c class 6: a notebook written for a Python 2 kernel.
    loop = "cm = np.array([[50, 3], [4, 43]])\nfor i in xrange(2):\n    print(cm[i])"
    (finding,) = [f for f in found(IMPORTS, loop) if f.rule == "hidden-state"]
    assert finding.severity == "error" and "Python 2 builtin" in finding.message and "range" in finding.fix
    assert "hidden state" not in finding.message
    # Defined by the notebook itself (a compatibility shim): nothing to report.
    assert rules(IMPORTS, "xrange = range", loop) == []
    # A name nobody defines that is not a Python 2 builtin is still hidden state.
    (other,) = found(IMPORTS, loop.replace("xrange", "steps"))
    assert "hidden state" in other.message


def test_settings_tuned_by_an_optimiser_on_the_folds_whose_score_is_reported():
    # Optuna's objective cross-validates on fixed folds; the best settings are then scored on the same
    # folds and that out-of-fold score is the one reported.
    folds = ("import optuna\nfrom sklearn.model_selection import StratifiedKFold\n"
             "from sklearn.metrics import roc_auc_score\n"
             "splits = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X, y))")
    objective = ("def objective(trial):\n    C = trial.suggest_float('C', 1e-3, 10, log=True)\n    scores = []\n"
                 "    for tr, va in splits[:3]:\n"
                 "        m = LogisticRegression(C=C).fit(X.iloc[tr], y.iloc[tr])\n"
                 "        scores.append(roc_auc_score(y.iloc[va], m.predict_proba(X.iloc[va])[:, 1]))\n"
                 "    return np.mean(scores)\n"
                 "study = optuna.create_study(direction='maximize', sampler=optuna.samplers.TPESampler(seed=0))\n"
                 "study.optimize(objective, n_trials=50)")
    report = ("oof = np.zeros(len(X))\nfor tr, va in splits:\n"
              "    m = LogisticRegression(**study.best_params).fit(X.iloc[tr], y.iloc[tr])\n"
              "    oof[va] = m.predict_proba(X.iloc[va])[:, 1]\nprint('OOF AUC', roc_auc_score(y, oof))")
    assert rules(IMPORTS, LOAD, folds, objective, report) == ["multi-test"]
    # Tuned on other folds (a different seed): the reported folds chose nothing.
    other = objective.replace("splits[:3]", "StratifiedKFold(n_splits=3, shuffle=True, random_state=1).split(X, y)")
    assert rules(IMPORTS, LOAD, folds, other, report) == []
    # Cross-validation alone, nothing tuned.
    assert rules(IMPORTS, LOAD, folds, report.replace("**study.best_params", "C=1.0")) == []


def test_a_model_comparison_library_scores_every_model_it_fits_on_the_test_set():
    # lazypredict: one fit call trains a few dozen models on the first pair and scores each on the second.
    lazy = ("from lazypredict.Supervised import LazyClassifier\n"
            "board = LazyClassifier(verbose=0, ignore_warnings=True, custom_metric=None)\n"
            "leaderboard, preds = board.fit(X_train, X_test, y_train, y_test)\nleaderboard.head(10)")
    found_here = found(IMPORTS, LOAD, SPLIT, lazy)
    assert [(f.rule, f.cell, f.line) for f in found_here] == [("multi-test", 3, 3)]
    assert "every model LazyClassifier fits" in found_here[0].message
    by_keyword = lazy.replace("board.fit(X_train, X_test, y_train, y_test)",
                              "board.fit(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test)")
    assert rules(IMPORTS, LOAD, SPLIT, by_keyword) == ["multi-test"]
    # Compared on a validation split carved from the training rows, the chosen model scored once on the test set.
    carved = ("X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=1)\n"
              + lazy.replace("board.fit(X_train, X_test, y_train, y_test)", "board.fit(X_tr, X_val, y_tr, y_val)"))
    final = ("best = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, best.predict(X_test)))")
    assert rules(IMPORTS, LOAD, SPLIT, carved, final) == []
    # A class of another library with the same name is not lazypredict's.
    own = lazy.replace("from lazypredict.Supervised import LazyClassifier\n",
                       "class LazyClassifier:\n    def __init__(self, **kw):\n        pass\n"
                       "    def fit(self, *data):\n        return None, None\n")
    assert rules(IMPORTS, LOAD, SPLIT, own) == []


def test_columns_chosen_by_a_fitted_selectors_mask_carry_what_it_learned():
    # A selector fit on every row (with the labels), its mask used to pick columns by name, then CV.
    wine = ("from sklearn.datasets import load_wine\nfrom sklearn.feature_selection import SelectKBest, chi2\n"
            "from sklearn.model_selection import cross_val_score\nwine = load_wine()\n"
            "feats = pd.DataFrame(wine.data, columns=wine.feature_names)\nX_all, y_all = np.array(feats), wine.target")
    pick = "picker = SelectKBest(score_func=chi2, k=5)\npicker.fit(X_all, y_all)"
    kept = "kept = np.array(wine.feature_names)[picker.get_support()]\nX_kept = np.array(feats[kept])"
    cv = "print(np.mean(cross_val_score(LogisticRegression(max_iter=500), X_kept, y_all, cv=5)))"
    leaky = found(IMPORTS, wine, pick, kept, cv)
    assert [(f.rule, f.cell, f.line) for f in leaky] == [("preprocessing-before-split", 2, 2)]
    for other in ["X_kept = X_all[:, picker.get_support()]", "X_kept = feats.loc[:, picker.support_]",
                  "X_kept = feats[feats.columns[picker.get_support()]]", "X_kept = feats[picker.get_feature_names_out()]",
                  "X_kept = X_all[:, np.argsort(picker.scores_)[-5:]]",
                  "X_kept = feats[[c for c, keep in zip(feats.columns, picker.get_support()) if keep]]",
                  "X_kept = feats[[c for c, s in zip(wine.feature_names, picker.scores_) if s > 10]]",
                  "X_kept = feats[list(picker.k_feature_names_)]"]:
        assert rules(IMPORTS, wine, pick, other, cv) == ["preprocessing-before-split"], other
    boruta = ("from boruta import BorutaPy\npicker = BorutaPy(RandomForestClassifier(max_depth=5), random_state=1)\n"
              "picker.fit(X_all, y_all)")
    assert rules(IMPORTS, wine, boruta, "X_kept = feats.columns[picker.support_]\nX_kept = feats[X_kept]", cv) == [
        "preprocessing-before-split"]
    # The selector inside the cross-validated pipeline: fit per fold.
    piped = ("from sklearn.pipeline import make_pipeline\n"
             "print(cross_val_score(make_pipeline(SelectKBest(chi2, k=5), LogisticRegression(max_iter=500)), X_all, y_all, cv=5).mean())")
    assert rules(IMPORTS, wine, piped) == []
    # Fit on the training split only, its mask applied to both splits, scored on the test split.
    split = "X_train, X_test, y_train, y_test = train_test_split(X_all, y_all, test_size=0.25, random_state=0)"
    on_train = ("picker = SelectKBest(score_func=chi2, k=5).fit(X_train, y_train)\nmask = picker.get_support()\n"
                "lr = LogisticRegression(max_iter=500).fit(X_train[:, mask], y_train)\n"
                "print(accuracy_score(y_test, lr.predict(X_test[:, mask])))")
    assert rules(IMPORTS, wine, split, on_train) == []
    assert rules(IMPORTS, wine, split, on_train.replace(".fit(X_train, y_train)\nmask", ".fit(X_all, y_all)\nmask")) \
        == ["preprocessing-before-split"]


def test_missing_values_filled_from_statistics_grouped_by_the_label_carry_the_label():
    load = ("patients = pd.read_csv('patients.csv')\nnum_cols = ['age', 'bp', 'glucose']")
    split = ("X_train, X_test, y_train, y_test = train_test_split(patients[num_cols], patients['outcome'], "
             "test_size=0.3, random_state=0)\nforest = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
             "print(accuracy_score(y_test, forest.predict(X_test)))")
    # Per-class medians over every row, reshaped into a dict, looked up by each row's own label.
    table = ("medians = patients.groupby('outcome').apply(lambda g: g.median()).reset_index()[num_cols + ['outcome']].to_dict()\n"
             "medians = {col: {medians['outcome'][k]: v for k, v in per_col.items()} for col, per_col in medians.items()}")
    fill = ("for col in num_cols:\n"
            "    patients[col] = patients.apply(lambda r: medians[col][r['outcome']] if pd.isnull(r[col]) else r[col], axis=1)")
    assert rules(IMPORTS, load, table, fill, split) == ["preprocessing-before-split", "target-leakage"]
    # The idiomatic form: fillna with a transform grouped by the label.
    idiom = ("for c in num_cols:\n"
             "    patients[c] = patients[c].fillna(patients.groupby('outcome')[c].transform('median'))")
    leaky = found(IMPORTS, load, idiom, split)
    assert sorted(f.rule for f in leaky) == ["preprocessing-before-split", "target-leakage"]
    assert "computed from the target 'outcome'" in [f for f in leaky if f.rule == "target-leakage"][0].message
    grouped_apply = ("patients[num_cols] = patients.groupby('outcome')[num_cols].apply(lambda g: g.fillna(g.median()))")
    assert rules(IMPORTS, load, grouped_apply, split) == ["preprocessing-before-split", "target-leakage"]
    # Grouped by another column: a statistic over every row (pre), but no row's own label in it.
    assert rules(IMPORTS, load, idiom.replace("groupby('outcome')", "groupby('sex')"), split) == [
        "preprocessing-before-split"]
    assert rules(IMPORTS, load, table.replace("'outcome'", "'sex'"), fill.replace("'outcome'", "'sex'"), split) == [
        "preprocessing-before-split"]
    # Each column filled from its own overall median: neither the label nor the other columns.
    own = "for c in num_cols + ['outcome']:\n    patients[c] = patients[c].fillna(patients[c].median())"
    assert rules(IMPORTS, load, own, split) == ["preprocessing-before-split"]
    # Learned on the training rows only, the test rows filled with the training medians: no leak.
    after = ("train, test = train_test_split(patients, test_size=0.3, random_state=0)\n"
             "for c in num_cols:\n"
             "    train[c] = train[c].fillna(train.groupby('outcome')[c].transform('median'))\n"
             "    test[c] = test[c].fillna(train[c].median())\n"
             "forest = RandomForestClassifier(random_state=0).fit(train[num_cols], train['outcome'])\n"
             "print(accuracy_score(test['outcome'], forest.predict(test[num_cols])))")
    assert rules(IMPORTS, load, after) == []


def test_a_loop_over_column_names_changes_each_column_from_itself():
    # Outliers clipped column by column, the label among the names: no column is computed from another.
    rent = ("rent = pd.read_csv('rent.csv')\nrent['flat_floor'] = rent['floor'].apply(lambda x: x.split(' out of ')[0])\n"
            "rent.drop('floor', axis=1, inplace=True)")
    clip = ("def clip_outliers(frame, col):\n    low, high = frame[col].quantile(0.25), frame[col].quantile(0.75)\n"
            "    rent[col] = np.clip(frame[col], low, high)\n    return frame\n"
            "for c in ['bhk', 'price', 'size', 'flat_floor']:\n    rent = clip_outliers(rent, c)")
    fit = ("X = rent.drop('price', axis=1)\ny = rent.price\n"
           "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42, test_size=0.2)\n"
           "reg = LinearRegression().fit(X_train, y_train)")
    assert rules(IMPORTS, rent, clip, fit) == ["preprocessing-before-split"]  # the quartiles saw every row
    # A column really computed from the label in that loop still is.
    leak = clip.replace("rent[col] = np.clip(frame[col], low, high)", "rent[col] = np.clip(frame[col], low, high) / rent['price']"
                        ).replace("'price', ", "")
    assert rules(IMPORTS, rent, leak, fit) == ["preprocessing-before-split", "target-leakage"]


def test_feature_lists_built_by_set_arithmetic_over_the_columns_stay_known():
    load = ("patients = pd.read_csv('patients.csv')\nnum_cols = ['age', 'bp', 'glucose']\n"
            "cat_cols = list(set(patients.columns) - set(num_cols))\nlabel = 'outcome'\n"
            "cat_features = [c for c in cat_cols if c != label]")
    fill = ("for c in num_cols:\n"
            "    patients[c] = patients[c].fillna(patients.groupby('outcome')[c].transform('median'))")
    fit = "forest = RandomForestClassifier(random_state=0).fit(patients[{features}], patients[label])"
    assert rules(IMPORTS, load, fill, fit.format(features="cat_features + num_cols")) == ["target-leakage"]
    # Without the label-grouped fill: the label is not among cat_cols minus the label.
    assert rules(IMPORTS, load, fit.format(features="cat_features + num_cols")) == []
    # cat_cols still holds the label.
    assert rules(IMPORTS, load, fit.format(features="cat_cols + num_cols")) == ["target-leakage"]


def test_a_frame_only_the_kernel_defines_is_still_rows():
    # heldout-d class 5: the read cell was deleted; the frame is used like a frame.
    tree = "from sklearn.tree import DecisionTreeClassifier\nfrom sklearn.utils import resample"
    fill = "survey.drop(columns=['id'], inplace=True)\nsurvey['delay'].fillna(survey['delay'].median(), inplace=True)"
    model = ("Xa, Xb, ya, yb = train_test_split(survey.drop('happy', axis=1), survey['happy'], test_size=0.2, random_state=0)\n"
             "m = DecisionTreeClassifier(random_state=0).fit(Xa, ya)\nprint(accuracy_score(yb, m.predict(Xb)))")
    assert rules(IMPORTS, tree, fill, model) == ["hidden-state", "hidden-state", "preprocessing-before-split"]
    upsample = ("few = survey[survey['happy'] == 1]\nmany = survey[survey['happy'] == 0]\n"
                "balanced = pd.concat([resample(few, replace=True, n_samples=len(many), random_state=0), many])")
    assert rules(IMPORTS, tree, upsample, model.replace("survey", "balanced")) == ["hidden-state", "overlap"]
    # Split first, statistics of the training part only: just the hidden-state error.
    clean = model.replace("m = ", "Xa = Xa.fillna(Xa.median())\nm = ")
    assert rules(IMPORTS, tree, clean) == ["hidden-state"]
