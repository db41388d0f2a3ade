"""nbpromote.registry: model registry, champion/challenger gate, rollback and the audit log.

"What is live, who approved it, and what do I roll back to?" — one query each::

    from nbpromote.registry import open_registry

    reg = open_registry()                       # --db > $NBPROMOTE_REGISTRY > pyproject > .nbpromote/registry.db
    v1 = reg.register("credit_risk", "model.pkl", metrics=metrics, lineage=lineage,
                      holdout={"hash": holdout_hash, "rows": 2000})
    reg.promote("credit_risk", 1, reason="first model", approve=True)
    reg.promote("credit_risk", 2, reason="retrained")   # GateRejectedError(.gate) unless clearly better
    reg.rollback("credit_risk", reason="bad canary")    # back to the previous Production version
    reg.live("credit_risk"), reg.live_at("credit_risk", "2026-11-17T09:00Z"), reg.history("credit_risk")
    reg.load("credit_risk")                             # content hash verified before unpickling

The audit log (``nbpromote.registry.audit``) lives in the same database; every transition appends
its record in the same transaction, and the tables are checked against it. ``db`` may also be a
``postgresql://`` URL (``registry migrate`` moves a registry there). Predictions go to a chain of
their own (``nbpromote.registry.predictions.PredictionLog``).
"""

from . import audit
from ._backend import BACKENDS, RegistryBackend, register_backend
from ._config import resolve_actor, resolve_db_path
from ._gate import GateResult, evaluate_gate, holdout_noise, parse_guardrail
from ._migrate import migrate_registry
from ._models import STAGES, ModelVersion, Transition
from ._registry import ALLOWED_TRANSITIONS, Registry, check_evidence, load_evidence, open_registry
from ._store import VersionMismatchWarning
from .audit import AuditLog, VerifyResult, open_audit_log
from .predictions import PredictionLog, open_prediction_log

__all__ = [
    "open_registry",
    "check_evidence",
    "load_evidence",
    "Registry",
    "RegistryBackend",
    "register_backend",
    "BACKENDS",
    "ModelVersion",
    "Transition",
    "GateResult",
    "evaluate_gate",
    "holdout_noise",
    "parse_guardrail",
    "STAGES",
    "ALLOWED_TRANSITIONS",
    "AuditLog",
    "VerifyResult",
    "open_audit_log",
    "PredictionLog",
    "open_prediction_log",
    "migrate_registry",
    "audit",
    "resolve_db_path",
    "resolve_actor",
    "VersionMismatchWarning",
]
