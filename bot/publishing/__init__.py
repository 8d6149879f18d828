"""Publishing: from an approved item to the live post, one posting per target channel."""
