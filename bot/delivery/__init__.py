"""Delivery: the workers that drain the durable outbox, and what a platform implements to be sent to.

The rows themselves are written by storage/outbox.py; this room reads, paces, sends and records them:

    senders.py          the Sender protocol, SendResult, the console's Sender, a row's payload as a Reply
    pacing.py           each platform's limits and its process-wide RateLimiter
    quiet_hours.py      Copenhagen time, the nightly quiet span, the local day
    locks.py            SQLite's write lock (BEGIN IMMEDIATE) and the file lock of one worker per platform
    broadcast.py        a campaign prompt to every eligible subscriber
    progress.py         counts of the outbox by platform and by broadcast
    worker_settings.py  how a worker leases, paces and retries
    claims.py           taking due rows (FOR UPDATE SKIP LOCKED / one UPDATE … RETURNING on SQLite)
    outcomes.py         writing what the platform answered
    worker.py           the Worker (its docstring has the states of a row)

May import handlers, content and storage; never telegram or discord (the platforms' Senders live in
bot/platforms/).
"""
