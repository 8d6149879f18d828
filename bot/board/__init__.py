"""The desk board's engine side: sign-in links for `/desk board`, sessions, and their keys."""
