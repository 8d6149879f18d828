"""The browser's side: read-only pages and feeds (the board later, the iCal feed now)."""
