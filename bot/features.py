"""The features the engine knows: importing a module registers its commands and actions."""

from bot.approvals import handlers as approvals
from bot.help import handlers as help_

__all__ = ["approvals", "help_"]
