"""Prometheus metrics of one App: counters the core and the outbox feed as they work, and figures read
from the database when scraped (outbox depth and age, digest deliveries), so every process reports the
same shared state. Labels are our own words only: platform, kind, handler, outcome, sink, status."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from handlers.core.observe import Counters
from storage.clock import Clock, system_clock
from storage.ops_queries import digest_counts, oldest_waiting
from storage.outbox_queries import counts_by_platform

# A reply is usually a few milliseconds; a batch on a slow disk or a big export in chat takes seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class OpsMetrics(Counters):
    """The Counters the core calls, kept in a registry of this App's own (two Apps share nothing)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages_in = Counter("samtale_messages_in", "Updates that reached the core", ["platform", "kind"],
                                   registry=r)
        self.replies_out = Counter("samtale_replies_out", "Intents the core returned, by reply kind",
                                   ["platform", "kind"], registry=r)
        self.latency = Histogram("samtale_handler_seconds", "Time from an update reaching the core to its answer",
                                 ["platform", "handler"], buckets=LATENCY_BUCKETS, registry=r)
        self.crisis = Counter("samtale_crisis_replies", "Crisis replies given (and private offers in groups)",
                              ["platform", "kind"], registry=r)
        self.outbox_sends = Counter("samtale_outbox_sends", "Outbox sends by outcome: sent, retry_after (429), "
                                    "transient (retried later), blocked, failed", ["platform", "outcome"], registry=r)
        self.leader = Gauge("samtale_scheduler_leader", "1 while this process leads the scheduler", registry=r)
        self.draining = Gauge("samtale_draining", "1 after SIGTERM, while the process stops", registry=r)

    def message_in(self, platform: str, kind: str) -> None:
        self.messages_in.labels(platform, kind).inc()

    def handled(self, platform: str, handler: str, seconds: float) -> None:
        self.latency.labels(platform, handler).observe(seconds)

    def reply_out(self, platform: str, kind: str) -> None:
        self.replies_out.labels(platform, kind).inc()

    def crisis_reply(self, platform: str, kind: str) -> None:
        self.crisis.labels(platform, kind).inc()

    def outbox_outcome(self, platform: str, outcome: str) -> None:
        self.outbox_sends.labels(platform, outcome).inc()

    def watch_leader(self, leading: Callable[[], bool]) -> None:
        self.leader.set_function(lambda: 1.0 if leading() else 0.0)

    def watch_database(self, sessions: sessionmaker[Session], clock: Clock = system_clock) -> None:
        self.registry.register(DatabaseCollector(sessions, clock))


class DatabaseCollector(Collector):
    """Read at each scrape: the outbox by state and the age of its oldest waiting row, digest deliveries by
    sink and outcome, and the connection pool in use. A database that does not answer yields nothing
    (and `samtale_database_up 0`), so /metrics still answers while /readyz says why."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def describe(self) -> list:
        return []  # collected at scrape time only; nothing to check at registration

    def collect(self):  # noqa: ANN201 - a generator of metric families
        up = GaugeMetricFamily("samtale_database_up", "1 when the last scrape could read the database")
        started = time.perf_counter()  # how long the scrape's queries took, not a time anything is decided by
        try:
            with self.sessions() as session:
                depth, oldest, digests = counts_by_platform(session), oldest_waiting(session), digest_counts(session)
        except Exception:  # noqa: BLE001 - reported as samtale_database_up 0; /readyz gives the reason
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield GaugeMetricFamily("samtale_metrics_query_seconds", "Time the scrape's database queries took",
                                value=time.perf_counter() - started)
        rows = GaugeMetricFamily("samtale_outbox_messages", "Outbox rows by state", labels=["platform", "status"])
        for platform, statuses in sorted(depth.items()):
            for status, n in statuses.items():
                rows.add_metric([platform, status], n)
        yield rows
        age = GaugeMetricFamily("samtale_outbox_oldest_waiting_seconds",
                                "How long the longest-waiting queued row has been due to go", labels=["platform"])
        now = self.clock()
        for platform, at in sorted(oldest.items()):
            age.add_metric([platform], max(0.0, (now - utc(at)).total_seconds()))
        yield age
        sent = CounterMetricFamily("samtale_digest_deliveries", "Digest deliveries by sink and outcome",
                                   labels=["sink", "status"])
        for (sink, status), n in sorted(digests.items()):
            sent.add_metric([sink, status], n)
        yield sent
        pool = getattr(self.sessions.kw.get("bind"), "pool", None)
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            yield GaugeMetricFamily("samtale_db_pool_checked_out", "Database connections in use in this process",
                                    value=checked_out())


def utc(at: datetime) -> datetime:
    """SQLite gives naive UTC back; PostgreSQL an aware time."""
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
