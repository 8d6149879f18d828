"""The weekly editorial meeting: reminders, topics and a live agenda."""
