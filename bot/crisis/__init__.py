"""The crisis protocol: `/crisis` pages the team, freezes content and keeps the timeline."""
