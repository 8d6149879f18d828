"""The inbox: inbound events recorded before they are acknowledged, handled by a worker pool."""
