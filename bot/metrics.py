"""What operators watch (GET /metrics, Prometheus text format): one registry per process.

Metric objects live here so every layer counts into the same names; the outbox and database
gauges are read from the database when /metrics is scraped (bot/ops.py serves it).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter(
    "socialdesk_events_total",
    "Inbound events by platform, kind and outcome (recorded, duplicate, refused, handled, failed).",
    ["platform", "kind", "outcome"],
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "socialdesk_ack_seconds",
    "Time from a request's arrival to its acknowledgement (the inbox write included).",
    ["platform"],
    # Fine below 50 ms, the target for an acknowledgement's p99.
    buckets=(0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
INBOX_LAG_SECONDS = Histogram(
    "socialdesk_inbox_lag_seconds",
    "Time an event waited in the inbox before a worker handled it.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "socialdesk_deliveries_total",
    "Outbox deliveries by platform, kind and outcome (sent, retry, failed, expired).",
    ["platform", "kind", "outcome"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "socialdesk_rate_limited_total",
    "429 answers by platform.",
    ["platform"],
    registry=REGISTRY,
)
RETRY_AFTER_SECONDS = Counter(
    "socialdesk_retry_after_seconds_total",
    "Seconds of Retry-After the platforms asked us to wait.",
    ["platform"],
    registry=REGISTRY,
)
TIMERS = Counter(
    "socialdesk_timers_total",
    "Durable timers by kind and outcome (due: found due in a round, fired, failed).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SCHEDULER_LEADER = Gauge(
    "socialdesk_scheduler_leader",
    "1 while this replica runs the scheduler (holds the leadership lock).",
    registry=REGISTRY,
)

# Set by bot/ops.py from one aggregate query per scrape: the database is the truth, shared by
# every replica, so each replica reports the same numbers (alert on max, not sum).
OUTBOX_STATUSES = ("pending", "sent", "failed", "expired", "unreachable")
OUTBOX_ROWS = Gauge(
    "socialdesk_outbox_messages",
    "Outbox rows by status (pending, sent, failed, expired, unreachable), all replicas.",
    ["status"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_PENDING_SECONDS = Gauge(
    "socialdesk_outbox_oldest_pending_seconds",
    "Age of the oldest message still waiting to be delivered (0 when none waits).",
    registry=REGISTRY,
)
DATABASE_UP = Gauge(
    "socialdesk_database_up",
    "1 if this replica could query the database at the last scrape, else 0.",
    registry=REGISTRY,
)
