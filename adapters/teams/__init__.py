"""Microsoft Teams: botbuilder CloudAdapter in, Adaptive Cards out.

The package itself imports nothing of botbuilder: the composition root imports `app` only
when Teams is on, so a Slack-only replica never loads the Bot Framework (about 24 MB).
"""

ROUTE = "/api/messages"  # where the Bot Framework posts activities
