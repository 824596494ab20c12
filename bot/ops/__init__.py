"""For the people who run Samtale: the ops port (/healthz, /readyz, /metrics), the Prometheus counters
the core and the outbox feed, readiness checks, and JSON log lines. Imports bot/, handlers/core and storage/."""
