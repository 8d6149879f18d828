"""The features the engine knows: importing a module registers its commands and actions (and
how the outbox sends what a feature makes at send time)."""

from bot import status
from bot.approvals import handlers as approvals
from bot.board import handlers as board
from bot.content_requests import handlers as content_requests
from bot.crisis import handlers as crisis
from bot.departments import handlers as departments
from bot.help import handlers as help_
from bot.home import delivery as home_delivery
from bot.home import handlers as home
from bot.intake import handlers as intake
from bot.meeting import handlers as meeting
from bot.outbox import handlers as outbox
from bot.people import handlers as people
from bot.publishing import calendar_handlers as publishing_calendar
from bot.publishing import handlers as publishing

__all__ = [
    "approvals",
    "board",
    "content_requests",
    "crisis",
    "departments",
    "help_",
    "home",
    "home_delivery",
    "intake",
    "meeting",
    "outbox",
    "people",
    "publishing",
    "publishing_calendar",
    "status",
]
