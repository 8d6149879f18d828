"""The Home tab: one person's desk at a glance (Slack App Home), kept up to date."""
