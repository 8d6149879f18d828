"""The schema's migrations (Alembic scripts under versions/).

HEAD is the newest revision, written down so that a running server can say whether its
database is migrated (`/readyz`) without importing Alembic and every script to find out: that
is ~10 MB of resident memory for one string. tests/integration/test_migrations.py fails when
a new script is added and HEAD is not moved to it.
"""

HEAD = "0018_timer_keys_bytewise"
