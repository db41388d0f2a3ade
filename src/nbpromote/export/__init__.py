"""Export: tagged notebook cells become a reproducible, versioned pipeline package.

``plan_stages`` reads the tags and infers each stage's inputs and outputs, ``suggest_tags`` proposes
tags for an untagged notebook, and ``export_notebook`` renders the package from ``templates/``. The
runtime of the exported package is :mod:`nbpromote.pipeline`.
"""

from .._fastimport import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat (see nbpromote._fastimport)


from ._orchestrators import (  # noqa: E402
    TARGETS,
    OrchestratorGraph,
    TargetResult,
    orchestrator_graph,
    write_targets,
)
from ._package import (  # noqa: E402
    EXPORT_METADATA,
    ExportResult,
    check_export_target,
    export_notebook,
    package_name,
)
from ._params import Param, parse_parameters  # noqa: E402
from ._plan import ROLE_NAMES, StagePlan, StageSpec, plan_stages  # noqa: E402
from ._suggest import TagSuggestion, apply_suggestions, suggest_tags  # noqa: E402
from ._tags import is_owned_tag, parse_tags  # noqa: E402
from ._templates import templates_dir  # noqa: E402

__all__ = [
    "EXPORT_METADATA",
    "OrchestratorGraph",
    "TARGETS",
    "TargetResult",
    "ExportResult",
    "Param",
    "ROLE_NAMES",
    "StagePlan",
    "StageSpec",
    "TagSuggestion",
    "apply_suggestions",
    "check_export_target",
    "export_notebook",
    "is_owned_tag",
    "package_name",
    "parse_parameters",
    "parse_tags",
    "plan_stages",
    "suggest_tags",
    "templates_dir",
    "orchestrator_graph",
    "write_targets",
]
