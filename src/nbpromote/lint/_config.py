"""Project configuration (``[tool.nbpromote.lint]`` in pyproject.toml) and suppression comments.

::

    [tool.nbpromote.lint]
    disable = ["unseeded-randomness"]                 # rules never run
    severity = { absolute-path = "error" }            # severity overrides
    per-path-ignores = { "notebooks/scratch/*.ipynb" = ["hidden-state", "out-of-order"] }

In a cell, ``# nbpromote: ignore[rule-id, other-id]`` at the end of a line silences those rules on
that line; the same comment alone on a line at the top of a cell silences them in the whole cell.
``# nbpromote: ignore`` without brackets silences every rule.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import LintError
from ._findings import SEVERITIES

__all__ = ["LintConfig", "suppressions", "find_pyproject"]

_IGNORE = re.compile(r"#\s*nbpromote:\s*ignore(?:\[(?P<rules>[^\]]*)\])?")
_KNOWN_KEYS = {"disable", "severity", "per-path-ignores", "per_path_ignores"}
ALL = "*"


@dataclass
class LintConfig:
    """Which rules run, at which severity, where.

    Parameters
    ----------
    disable : set of str, default=empty
        Rule ids that never run.
    severity : dict of str to str, default=empty
        Rule id -> "error" | "warning" | "info".
    per_path_ignores : dict of str to list of str, default=empty
        Glob (relative to ``root``, or a bare file name pattern) -> rule ids to skip there.
    root : Path or None, default=None
        Directory the globs are relative to (the pyproject.toml's directory).
    source : Path or None, default=None
        The file the configuration was read from (set by the loaders; named in error messages).
    """

    disable: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    per_path_ignores: dict[str, list[str]] = field(default_factory=dict)
    root: Path | None = None
    source: Path | None = None

    def validate(self, known_rules: set[str]) -> LintConfig:
        where = f"{self.source}: [tool.nbpromote.lint]" if self.source else "lint config"
        named = set(self.disable) | set(self.severity)
        for rules in self.per_path_ignores.values():
            named |= set(rules)
        unknown = sorted(named - known_rules - {ALL})
        if unknown:
            raise LintError(
                f"{where} names unknown rule id(s) {', '.join(unknown)}.",
                hint=f"Known rules: {', '.join(sorted(known_rules))}.", path=str(self.source or ""),
            )
        for rule, severity in self.severity.items():
            if severity not in SEVERITIES:
                raise LintError(
                    f"{where}: severity of {rule} is {severity!r}.",
                    hint="Use one of: error, warning, info.", path=str(self.source or ""),
                )
        return self

    def ignored_for(self, path: str | Path | None) -> set[str]:
        """Rule ids the per-path ignores switch off for ``path``."""
        if path is None or not self.per_path_ignores:
            return set()
        target = Path(path).resolve()
        candidates = {target.as_posix(), target.name}
        if self.root is not None:
            try:
                candidates.add(target.relative_to(self.root.resolve()).as_posix())
            except ValueError:
                pass
        out: set[str] = set()
        for pattern, rules in self.per_path_ignores.items():
            if any(fnmatch.fnmatch(c, pattern) for c in candidates):
                out |= set(rules)
        return out

    @classmethod
    def from_mapping(cls, table: dict[str, Any], *, source: Path | None = None) -> LintConfig:
        """Build from the ``[tool.nbpromote.lint]`` table."""
        where = f"{source}: [tool.nbpromote.lint]" if source else "lint config"
        unknown = sorted(set(table) - _KNOWN_KEYS)
        if unknown:
            raise LintError(f"{where} has unknown key(s) {', '.join(unknown)}.",
                            hint="Known keys: disable, severity, per-path-ignores.")
        disable = table.get("disable", [])
        severity = table.get("severity", {})
        ignores = table.get("per-path-ignores", table.get("per_path_ignores", {}))
        if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
            raise LintError(f"{where}: disable must be a list of rule ids, got {disable!r}.")
        if not isinstance(severity, dict):
            raise LintError(f"{where}: severity must be a table of rule id = severity, got {severity!r}.")
        if not isinstance(ignores, dict) or not all(isinstance(v, list) for v in ignores.values()):
            raise LintError(f"{where}: per-path-ignores must map globs to lists of rule ids.")
        return cls(disable=set(disable), severity=dict(severity), per_path_ignores=dict(ignores),
                   root=source.parent if source else None, source=source)

    @classmethod
    def from_pyproject(cls, path: str | Path) -> LintConfig:
        """Read ``[tool.nbpromote.lint]`` from one pyproject.toml (empty config if absent)."""
        import copy

        source = Path(path)
        try:
            stat = source.stat()
        except OSError as exc:
            raise LintError(f"{source} cannot be read: {exc.strerror}.", path=str(source)) from None
        # Parsed once per file version: linting a directory reads the same pyproject.toml each time.
        table = _lint_table(str(source.resolve()), stat.st_mtime_ns, stat.st_size)
        config = cls.from_mapping(copy.deepcopy(table), source=source)
        config.root = source.parent
        return config

    @classmethod
    def discover(cls, start: str | Path) -> LintConfig:
        """The config of the nearest pyproject.toml at or above ``start`` (empty if none)."""
        found = find_pyproject(start)
        return cls.from_pyproject(found) if found else cls()


@lru_cache(maxsize=64)
def _lint_table(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    import copy

    import tomllib

    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LintError(f"{source} is not valid TOML: {exc}.", hint="Fix the file.", path=str(source)) from None
    except OSError as exc:
        raise LintError(f"{source} cannot be read: {exc.strerror}.", path=str(source)) from None
    return copy.deepcopy(data.get("tool", {}).get("nbpromote", {}).get("lint", {}))


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest pyproject.toml in ``start`` (a file's directory) or its parents."""
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def suppressions(source: str) -> tuple[set[str], dict[int, set[str]]]:
    """Rules silenced in a cell: ``(whole_cell_rules, {line: rules})``; ``"*"`` means all."""
    cell_rules: set[str] = set()
    line_rules: dict[int, set[str]] = {}
    if "nbpromote" not in source:
        return cell_rules, line_rules
    at_top = True
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        match = _IGNORE.search(line)
        rules: set[str] = set()
        if match:
            listed = match.group("rules")
            rules = {r.strip() for r in listed.split(",") if r.strip()} if listed is not None else {ALL}
        if at_top and stripped and not stripped.startswith("#"):
            at_top = False
        if match and at_top and stripped.startswith("#"):
            cell_rules |= rules
        elif match:
            line_rules.setdefault(number, set()).update(rules)
    return cell_rules, line_rules
