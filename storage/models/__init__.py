"""All models, imported here so that Alembic and the app see one complete MetaData."""

from storage.base import Base
from storage.models.approvals import ApprovalRequest, Decision, Delegation, RequestApprover
from storage.models.audit import AuditEntry
from storage.models.board import BoardSession, BoardSignInLink
from storage.models.content import Attachment, ContentItem, ContentVersion
from storage.models.crisis import (
    Crisis,
    CrisisCheck,
    CrisisContent,
    CrisisEvent,
    CrisisMember,
)
from storage.models.events import InboxEvent
from storage.models.intake import ContentRequest, DraftFile, IntakeDraft
from storage.models.meeting import (
    MeetingOverride,
    MeetingReminderSent,
    MeetingSettings,
    MeetingTopic,
)
from storage.models.outbox import OutboxMessage
from storage.models.people import Department, DepartmentMember, Person, PersonRole, PlatformIdentity
from storage.models.publishing import FeedToken, Posting
from storage.models.timers import Timer

__all__ = [
    "ApprovalRequest",
    "Attachment",
    "AuditEntry",
    "Base",
    "BoardSession",
    "BoardSignInLink",
    "ContentItem",
    "ContentRequest",
    "ContentVersion",
    "Crisis",
    "CrisisCheck",
    "CrisisContent",
    "CrisisEvent",
    "CrisisMember",
    "Decision",
    "Delegation",
    "Department",
    "DepartmentMember",
    "DraftFile",
    "FeedToken",
    "InboxEvent",
    "IntakeDraft",
    "MeetingOverride",
    "MeetingReminderSent",
    "MeetingSettings",
    "MeetingTopic",
    "OutboxMessage",
    "Person",
    "PersonRole",
    "PlatformIdentity",
    "Posting",
    "RequestApprover",
    "Timer",
]
