"""The organisation file written for you: importers (Slack, an HR export), merge, reload."""
