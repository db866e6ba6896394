from .actions import Action, ActionComment, ActionSource, ProgressUpdate, UpdateStatus
from .evidence import EvidenceFile, EvidenceState
from .imports import ImportState, PlanImport
from .membership import Membership, Role
from .outbox import Message, MessageKind, MessageStatus, NotificationSettings
from .plans import Agency, AgencyKind, Objective, Plan, PlanKind, Theme
from .rag import RAG, rag_label
from .rounds import BoardDecision, Round, RoundAction, RoundPlan, RoundStatus
from .security import AppendOnlyError, SecurityEvent, SecurityEventKind

__all__ = [
    "RAG",
    "AppendOnlyError",
    "SecurityEvent",
    "SecurityEventKind",
    "Action",
    "ActionComment",
    "ActionSource",
    "BoardDecision",
    "EvidenceFile",
    "EvidenceState",
    "Message",
    "MessageKind",
    "MessageStatus",
    "NotificationSettings",
    "Round",
    "RoundAction",
    "RoundPlan",
    "RoundStatus",
    "Agency",
    "ImportState",
    "Membership",
    "PlanImport",
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
