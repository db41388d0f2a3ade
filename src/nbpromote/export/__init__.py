"""Export: tagged notebook cells become a reproducible, versioned pipeline package.

``plan_stages`` reads the tags and infers each stage's inputs and outputs, ``suggest_tags`` proposes
tags for an untagged notebook, and ``export_notebook`` renders the package from ``templates/``. The
runtime of the exported package is :mod:`nbpromote.pipeline`.
"""

from ._orchestrators import (
    TARGETS,
    OrchestratorGraph,
    TargetResult,
    orchestrator_graph,
    write_targets,
)
from ._package import (
    EXPORT_METADATA,
    ExportResult,
    check_export_target,
    export_notebook,
    package_name,
)
from ._params import Param, parse_parameters
from ._plan import ROLE_NAMES, StagePlan, StageSpec, plan_stages
from ._suggest import TagSuggestion, apply_suggestions, suggest_tags
from ._tags import is_owned_tag, parse_tags
from ._templates import templates_dir

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
