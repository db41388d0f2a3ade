"""The one exception family of nbpromote.

Every error nbpromote raises on purpose derives from :class:`NbpromoteError`. Each class also
inherits the matching built-in (``ValueError``, ``KeyError``, ``FileNotFoundError`` …) so callers
that already catch those keep working, carries structured fields (notebook, cell, column, file …)
rather than only a string, and decides its own CLI exit code. Only the CLI's entry point turns an
error into an exit; the magics display the same error in the notebook instead.

Messages name the thing, the problem and the fix, e.g.::

    credit_risk.ipynb, cell 4: `%promote track model` — variable 'model' is a LogisticRegression;
    supported: pandas DataFrame/Series, NumPy array, str/pathlib.Path to a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "NbpromoteError",
    "UsageError",
    "MissingDependencyError",
    "NotebookError",
    "NotebookNotFoundError",
    "NotebookFormatError",
    "NotebookWriteError",
    "OutputExistsError",
    "CaptureError",
    "UnsupportedTypeError",
    "ManifestError",
    "LintError",
    "ExportError",
    "StageGraphError",
    "ParametersCellError",
    "SerializationError",
    "PipelineError",
    "StageFailedError",
    "MonitorError",
    "DataValidationError",
    "RegistryError",
    "ModelNotFoundError",
    "VersionNotFoundError",
    "IllegalTransitionError",
    "PromotionConflictError",
    "GateRejectedError",
    "ApprovalError",
    "ArtifactIntegrityError",
    "RegistryUnavailableError",
    "AuditError",
    "AuditTamperedError",
]

#: Exit codes shared by every command (see DESIGN.md, "Machine-readable surfaces").
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def _where(notebook: str | Path | None = None, cell: int | None = None) -> str:
    parts = []
    if notebook is not None:
        parts.append(str(notebook))
    if cell is not None:
        # 1-based, as JupyterLab's status bar counts cells; the ``cell`` field keeps the index.
        parts.append(f"cell {cell + 1}" if isinstance(cell, int) else f"cell {cell}")
    return ", ".join(parts)


def error_body(
    code: str, message: str, *, hint: str | None = None, override: str | None = None, **details: Any
) -> dict[str, Any]:
    """``{"error": {"code", "message", "hint", "override"[, "details"]}}`` (DESIGN decision 6).

    Parameters
    ----------
    code : str
        A stable kebab-case identifier clients branch on (``output-exists``, ``lint-errors`` …).
    message : str
        What went wrong, for a person.
    hint : str or None, default=None
        The fix, when it is not part of ``message``.
    override : str or None, default=None
        The request option that overrides this refusal (``force``, ``allow_findings``), if any.
    **details
        Structured context (``path``, ``findings``, ``limit`` …), under ``details``.
    """
    error: dict[str, Any] = {"code": code, "message": message, "hint": hint, "override": override}
    if details:
        error["details"] = details
    return {"error": error}


def _kebab(name: str) -> str:
    name = name.removesuffix("Error") or name
    return "".join(f"-{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


class NbpromoteError(Exception):
    """Root of every error nbpromote raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong and how to fix it, in one or two sentences.
    hint : str or None, default=None
        The fix, when it is not already part of ``message``.
    **fields
        Structured context (``notebook=``, ``cell=``, ``column=``, ``path=`` …), kept as attributes
        and returned by :meth:`to_dict` so JSON front doors can report them.
    """

    #: Process exit code the CLI uses for this error.
    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None, **fields: Any) -> None:
        self.message = message
        self.hint = hint
        self.fields = fields
        for key, value in fields.items():
            setattr(self, key, value)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = _where(self.fields.get("notebook"), self.fields.get("cell"))
        text = f"{where}: {self.message}" if where and where not in self.message else self.message
        if self.hint:
            text = f"{text} {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict: type, message, hint and fields."""
        out: dict[str, Any] = {"error": type(self).__name__, "message": str(self)}
        for key, value in self.fields.items():
            out[key] = str(value) if isinstance(value, Path) else value
        return out

    def to_error_body(self) -> dict[str, Any]:
        """The one JSON error body (DESIGN decision 6) of the server and the CLI's ``--json`` errors.

        ``{"error": {"code", "message", "hint", "override", "details"}}``: ``code`` is the
        ``code`` field or the class name in kebab case (``OutputExistsError`` → ``output-exists``),
        ``message`` the problem without the hint, ``override`` the option that overrides the
        refusal (``force``, ``allow_findings``) or null, ``details`` the other fields.
        """
        fields = dict(self.fields)
        code = fields.pop("code", None) or _kebab(type(self).__name__)
        override = fields.pop("override", None)
        where = _where(fields.get("notebook"), fields.get("cell"))
        message = f"{where}: {self.message}" if where and where not in self.message else self.message
        details = {k: str(v) if isinstance(v, Path) else v for k, v in fields.items()}
        return error_body(code, message, hint=self.hint, override=override, **details)


class UsageError(NbpromoteError, ValueError):
    """A command or magic was called with arguments that do not fit."""


class MissingDependencyError(NbpromoteError, ImportError):
    """An optional integration was used without its extra installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the optional package '{package}', which is not installed.",
            hint=f"Install it with: pip install 'nbpromote[{extra}]'",
            package=package,
            extra=extra,
        )


# --- notebooks -------------------------------------------------------------------------------
class NotebookError(NbpromoteError, ValueError):
    """A notebook (or a cell in it) cannot be used as it is."""


class NotebookNotFoundError(NotebookError, FileNotFoundError):
    """The notebook path does not exist."""


class NotebookFormatError(NotebookError):
    """The file is not a readable nbformat 4 notebook (invalid JSON, nbformat 3, bad schema)."""


class NotebookWriteError(NotebookError, OSError):
    """The notebook or a file beside it could not be written (read-only, missing directory)."""


class OutputExistsError(NbpromoteError, FileExistsError):
    """An output would overwrite something the user wrote; pass ``--force`` to allow it."""


# --- capture ---------------------------------------------------------------------------------
class CaptureError(NbpromoteError, RuntimeError):
    """Provenance could not be captured."""


class UnsupportedTypeError(CaptureError, TypeError):
    """A value of a type nbpromote cannot hash or serialise."""


class ManifestError(NbpromoteError, ValueError):
    """A manifest (or another persisted document) does not match its schema."""


# --- lint ------------------------------------------------------------------------------------
class LintError(NbpromoteError, ValueError):
    """The linter could not run (bad configuration, unknown rule id)."""


# --- export and pipelines --------------------------------------------------------------------
class ExportError(NbpromoteError, ValueError):
    """A notebook cannot be exported as it is."""


class StageGraphError(ExportError):
    """The stages' inputs and outputs are ambiguous or cyclic; the message names the cells."""


class ParametersCellError(ExportError):
    """The ``parameters`` cell is not plain assignments of literals."""


class SerializationError(ExportError, TypeError):
    """A stage output cannot be stored as an artifact."""


class PipelineError(NbpromoteError, RuntimeError):
    """A pipeline run could not start or finish."""


class StageFailedError(PipelineError):
    """A stage raised; carries ``stage``, ``traceback`` and ``inputs`` (name -> hash)."""

    exit_code = EXIT_FINDINGS


# --- monitoring ------------------------------------------------------------------------------
class MonitorError(NbpromoteError, ValueError):
    """Drift or profile computation got input it cannot use."""


class DataValidationError(MonitorError):
    """A batch failed the validation gate; carries ``report``."""

    exit_code = EXIT_FINDINGS


# --- registry and audit ----------------------------------------------------------------------
class RegistryError(NbpromoteError, RuntimeError):
    """The model registry refused or could not complete an operation."""


class ModelNotFoundError(RegistryError, KeyError):
    """No model of that name is registered."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return NbpromoteError.__str__(self)


class VersionNotFoundError(RegistryError, KeyError):
    """The model exists but not that version."""

    def __str__(self) -> str:
        return NbpromoteError.__str__(self)


class IllegalTransitionError(RegistryError):
    """A stage transition that the state machine does not allow; lists the allowed ones."""


class PromotionConflictError(RegistryError):
    """Another promotion won the race for the Production slot."""


class GateRejectedError(RegistryError):
    """The champion/challenger gate refused a promotion; carries ``gate`` (the evidence)."""

    exit_code = EXIT_FINDINGS


class ApprovalError(RegistryError):
    """An approval is missing or not allowed (separation of duties)."""


class ArtifactIntegrityError(RegistryError):
    """A model artifact's content hash does not match the registered one; it is not loaded."""


class RegistryUnavailableError(RegistryError, OSError):
    """The registry database is locked, read-only, corrupt or missing."""


class AuditError(NbpromoteError, RuntimeError):
    """The audit log could not be read or written."""


class AuditTamperedError(AuditError):
    """Verification failed; carries ``seq`` (the first bad record) and ``reason``."""

    exit_code = EXIT_FINDINGS


# --- serving ---------------------------------------------------------------------------------
class ServingError(NbpromoteError, RuntimeError):
    """The scoring service (or batch scoring) cannot answer: no model, no serving path, bad setting."""


class NoServingPathError(ServingError):
    """Request rows cannot pass through the notebook's stages; carries ``stage`` (the one to split)."""
