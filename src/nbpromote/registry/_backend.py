"""The registry store interface and the table of backends (SQLite by default, MLflow as a plug-in).

A backend is one class implementing :class:`RegistryBackend`; it is found by the scheme of the
registry location (``mlflow:sqlite:///…`` → the MLflow backend; a plain path → SQLite). Adding a
backend (e.g. PostgreSQL for teams) is one module and one :func:`register_backend` line.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RegistryBackend", "register_backend", "BACKENDS", "backend_for"]


class RegistryBackend(abc.ABC):
    """What every registry store provides (the hooks the pipeline runtime calls)."""

    backend: str = "?"

    @abc.abstractmethod
    def register(self, name: str, artifact: Any, *, metrics: Mapping[str, Any], lineage: Any,
                 params: Mapping[str, Any] | None = None, tags: Mapping[str, Any] | None = None,
                 holdout: Mapping[str, Any] | None = None, actor: str | None = None) -> Any:
        """Register a new version; returns a ModelVersion."""

    @abc.abstractmethod
    def promote(self, name: str, version: Any, *, metric: str | None = None, delta: float | None = None,
                guardrails: Any = None, reason: str, actor: str | None = None, approve: bool = False,
                evidence: Mapping[str, Any] | None = None) -> Any:
        """Gate and promote a version to Production/champion (``evidence``: extra, recorded, not gated on)."""

    @abc.abstractmethod
    def live(self, name: str) -> Any:
        """The Production (champion) version, or None."""

    @abc.abstractmethod
    def set_alias(self, name: str, alias: str, version: Any, *, reason: str = "alias set",
                  actor: str | None = None) -> Any:
        """Point an alias at a version."""

    @abc.abstractmethod
    def aliases(self, name: str) -> dict[str, int]:
        """alias → version number."""

    @abc.abstractmethod
    def versions(self, name: str) -> list[Any]:
        """All versions, oldest first."""

    @abc.abstractmethod
    def models(self) -> list[dict[str, Any]]:
        """Every model: ``{"name", "versions", "live", "updated_at"}``."""

    @abc.abstractmethod
    def rollback(self, name: str, *, reason: str, actor: str | None = None) -> Any:
        """Re-point Production/champion to the previous one."""

    @abc.abstractmethod
    def load(self, name: str, version: Any = None) -> Any:
        """The model object, integrity-checked where the store allows."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections."""


#: scheme -> "module:attribute" (relative to this package) or a factory(location, **options).
BACKENDS: dict[str, str | Callable[..., RegistryBackend]] = {
    "mlflow": "._mlflow:MlflowRegistry",
}


def register_backend(scheme: str, factory: str | Callable[..., RegistryBackend]) -> None:
    """Make ``<scheme>:<location>`` registry locations open with ``factory``."""
    BACKENDS[scheme] = factory


def backend_for(location: str) -> tuple[Callable[..., RegistryBackend] | None, str]:
    """``(factory, target)`` for a location with a known scheme, else ``(None, location)`` (SQLite)."""
    scheme, sep, rest = location.partition(":")
    if not sep or scheme not in BACKENDS or len(scheme) == 1:  # "C:\\…" is a Windows drive, not a scheme
        return None, location
    factory = BACKENDS[scheme]
    if isinstance(factory, str):
        module_name, attribute = factory.split(":")
        factory = getattr(importlib.import_module(module_name, __package__), attribute)
    return factory, rest
