"""PyTorch: modules trained in a loop (forward, ``backward``, ``optimizer.step``), data loaders."""

from __future__ import annotations

from ._model import Library, Returns, names

TORCH = Library(
    name="torch",
    roots=frozenset({"torch", "torchvision", "torchtext", "torchaudio", "lightning", "pytorch_lightning"}),
    models=names("Module Sequential Linear LSTM GRU RNN Conv1d Conv2d Transformer LightningModule"),
    incremental=names("Module Sequential Linear LSTM GRU RNN Conv1d Conv2d Transformer LightningModule"),
    #: ``loss.backward()`` then ``optimizer.step()`` inside a loop over batches is training.
    fit_methods=names("backward step fit"),
    predict_methods=names("forward __call__ predict"),
    score_methods=names("validate test"),
    readers=names("load ImageFolder DatasetFolder read_image"),
    random_draws=names("rand randn randint randperm normal bernoulli multinomial"),
    seeders=names("manual_seed manual_seed_all seed_everything"),
    datasets=names("TensorDataset DataLoader random_split Subset"),
    returns={"random_split": Returns(2, names=("train", "test"))},
)

#: Classes whose instances wrap rows without changing which rows they are.
ROW_CONTAINERS = names("TensorDataset DataLoader Dataset Subset Tensor tensor from_numpy as_tensor")
