"""All models, imported here so that Alembic and the app see one complete MetaData."""

from storage.base import Base
from storage.models.approvals import ApprovalRequest, Decision, RequestApprover
from storage.models.audit import AuditEntry
from storage.models.content import Attachment, ContentItem, ContentVersion
from storage.models.events import ProcessedEvent
from storage.models.outbox import OutboxMessage
from storage.models.people import Department, DepartmentMember, Person, PersonRole, PlatformIdentity
from storage.models.timers import Timer

__all__ = [
    "ApprovalRequest",
    "Attachment",
    "AuditEntry",
    "Base",
    "ContentItem",
    "ContentVersion",
    "Decision",
    "Department",
    "DepartmentMember",
    "OutboxMessage",
    "Person",
    "PersonRole",
    "PlatformIdentity",
    "ProcessedEvent",
    "RequestApprover",
    "Timer",
]
