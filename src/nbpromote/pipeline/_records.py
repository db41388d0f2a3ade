"""Run records: the versioned schema beside the code and the upgrade from older versions.

=======  =========================================================================================
version  what it added
=======  =========================================================================================
1        run id, pipeline, params, seed, stages (status, key, seconds, inputs, outputs, reasons),
         roles, profile, failed
2        per stage ``reads`` (files the stage read: name → path, size, mtime_ns, content hash) and
         ``sha256`` in ``artifacts``; ``metrics`` (``values`` + ``provenance`` of each metric);
         ``events`` (the progress events of the run, as ``run --events`` prints them)
=======  =========================================================================================

:func:`upgrade_run_record` lifts a record one version at a time and says what it changed; it
returns a copy (the input is never mutated) with ``upgraded_from`` set to the original version.
Every reader of run records (:meth:`ArtifactStore.read_run`) goes through it, so code only ever
sees the current shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ManifestError

__all__ = ["RUN_SCHEMA_VERSION", "RUN_RECORD_SCHEMA", "RUN_RECORD_SCHEMAS", "upgrade_run_record"]

RUN_SCHEMA_VERSION = 2
_HERE = Path(__file__).parent
#: version → JSON Schema file of the run record (the stable contract CI and the labextension read).
RUN_RECORD_SCHEMAS = {1: _HERE / "run_record.v1.schema.json", 2: _HERE / "run_record.v2.schema.json"}
#: The schema of the version written now.
RUN_RECORD_SCHEMA = RUN_RECORD_SCHEMAS[RUN_SCHEMA_VERSION]


def _v1_to_v2(record: dict[str, Any]) -> list[str]:
    changes = []
    for stage in record.get("stages", []):
        if "reads" not in stage:
            stage["reads"] = {}
            changes.append(f"stage {stage.get('name')}: reads unknown (recorded from v2 on)")
    record.setdefault("metrics", None)
    record.setdefault("events", [])
    changes.append("metrics and events were not recorded in v1")
    return changes


#: from version → (upgrade function, to version)
_UPGRADES: dict[int, tuple[Callable[[dict[str, Any]], list[str]], int]] = {1: (_v1_to_v2, 2)}


def upgrade_run_record(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``record`` in the current schema version, and what the upgrade changed.

    Parameters
    ----------
    record : dict
        A run record of any known version.

    Returns
    -------
    tuple
        ``(record, changes)``; ``changes`` is empty when it was current already.

    Raises
    ------
    ManifestError
        The version is unknown (newer than this nbpromote, or not a run record).
    """
    version = record.get("schema_version")
    if version == RUN_SCHEMA_VERSION:
        return record, []
    if version not in _UPGRADES:
        raise ManifestError(
            f"Run record {record.get('run_id')} has schema_version {version!r}; this nbpromote reads up to "
            f"{RUN_SCHEMA_VERSION}.", hint="Upgrade nbpromote to read it.", run_id=record.get("run_id"),
        )
    upgraded = copy.deepcopy(record)
    changes: list[str] = []
    while upgraded.get("schema_version") != RUN_SCHEMA_VERSION:
        step, target = _UPGRADES[upgraded["schema_version"]]
        changes.extend(step(upgraded))
        upgraded["schema_version"] = target
    upgraded["upgraded_from"] = version
    return upgraded, changes
