"""Microsoft Teams: botbuilder CloudAdapter in, Adaptive Cards out."""
