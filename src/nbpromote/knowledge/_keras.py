"""Keras / TensorFlow: models that keep training across ``fit`` calls, validation data, tokenizers."""

from __future__ import annotations

from ._model import Library, Returns, names

KERAS = Library(
    name="keras",
    roots=frozenset({"keras", "tensorflow", "tf_keras"}),
    models=names("Sequential Model Functional KerasClassifier KerasRegressor"),
    incremental=names("Sequential Model Functional"),
    transformers=names("Tokenizer TextVectorization Normalization StringLookup IntegerLookup Discretization "
                       "CategoryEncoding ImageDataGenerator"),
    fit_methods=names("fit fit_generator train_on_batch fit_on_texts fit_on_sequences adapt"),
    transform_methods=names("texts_to_sequences texts_to_matrix sequences_to_matrix flow standardize"),
    predict_methods=names("predict predict_on_batch predict_generator predict_classes predict_proba __call__"),
    score_methods=names("evaluate evaluate_generator test_on_batch"),
    metrics=names("""
        Accuracy BinaryAccuracy CategoricalAccuracy SparseCategoricalAccuracy AUC Precision Recall
        MeanSquaredError MeanAbsoluteError RootMeanSquaredError binary_accuracy categorical_accuracy
        sparse_categorical_accuracy
    """),
    readers=names("load_img image_dataset_from_directory text_dataset_from_directory TFRecordDataset "
                  "TextLineDataset make_csv_dataset"),
    datasets=names("load_data"),
    seeders=names("set_seed set_random_seed"),
    monitor_keywords=names("validation_data validation_split"),
    early_stopping_callbacks=names("EarlyStopping ModelCheckpoint ReduceLROnPlateau"),
    returns={"load_data": Returns(2, names=("train", "test"))},
)
