"""The exception family: one root, built-in bases, structured fields, exit codes, readable text."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from nbpromote import errors
from nbpromote.errors import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    CaptureError,
    GateRejectedError,
    MissingDependencyError,
    ModelNotFoundError,
    NbpromoteError,
    NotebookFormatError,
    NotebookNotFoundError,
    UnsupportedTypeError,
)

ALL = [getattr(errors, name) for name in errors.__all__]


def test_every_public_class_derives_from_the_root_and_has_an_exit_code():
    for cls in ALL:
        assert inspect.isclass(cls) and issubclass(cls, NbpromoteError)
        assert cls.exit_code in {EXIT_FINDINGS, EXIT_USAGE}


def test_classes_also_inherit_the_matching_builtin():
    assert issubclass(NotebookNotFoundError, FileNotFoundError)
    assert issubclass(NotebookFormatError, ValueError)
    assert issubclass(UnsupportedTypeError, TypeError) and issubclass(UnsupportedTypeError, CaptureError)
    assert issubclass(ModelNotFoundError, KeyError)
    assert issubclass(MissingDependencyError, ImportError)


def test_message_names_the_place_and_adds_the_hint():
    error = NotebookFormatError("is not valid JSON.", hint="Restore it.", notebook="nb.ipynb", cell=3)
    assert str(error) == "nb.ipynb, cell 4: is not valid JSON. Restore it."  # cell=3 is the fourth cell
    assert error.notebook == "nb.ipynb" and error.cell == 3
    # The place is not repeated when the message already names it.
    assert str(NotebookFormatError("nb.ipynb is bad.", notebook="nb.ipynb")) == "nb.ipynb is bad."


def test_to_dict_is_json_ready():
    error = CaptureError("boom.", path=Path("/x/y"), cell=2)
    assert error.to_dict() == {"error": "CaptureError", "message": "cell 3: boom.", "path": "/x/y", "cell": 2}


def test_key_errors_are_not_quoted():
    assert str(ModelNotFoundError("No model 'm'.")) == "No model 'm'."


def test_findings_errors_exit_1_and_usage_errors_exit_2():
    assert GateRejectedError("rejected").exit_code == EXIT_FINDINGS
    assert CaptureError("x").exit_code == EXIT_USAGE


def test_missing_dependency_says_how_to_install():
    error = MissingDependencyError("mlflow", "mlflow", "The MLflow registry backend")
    assert "pip install 'nbpromote[mlflow]'" in str(error)
    with pytest.raises(ImportError):
        raise error
