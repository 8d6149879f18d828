"""The browser's side: the board (board/) and the iCal feed (ical.py)."""
