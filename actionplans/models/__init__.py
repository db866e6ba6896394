from .actions import Action, ActionComment, ActionSource, ProgressUpdate, UpdateStatus
from .membership import Membership, Role
from .plans import Agency, AgencyKind, Objective, Plan, PlanKind, Theme
from .rag import RAG, rag_label

__all__ = [
    "RAG",
    "Action",
    "ActionComment",
    "ActionSource",
    "Agency",
    "Membership",
    "Role",
    "AgencyKind",
    "Objective",
    "Plan",
    "PlanKind",
    "ProgressUpdate",
    "Theme",
    "UpdateStatus",
    "rag_label",
]
