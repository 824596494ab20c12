"""Durability: killed with SIGKILL at random points, every reflection that got a receipt is stored once."""
from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import select

from bot.app import build_app
from bot.config import Settings
from storage.models import Consent, Participant, Reflection

PEOPLE, EACH = 20, 15


def seed(url: str) -> None:
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    with app.sessions() as s:
        for i in range(PEOPLE):
            p = Participant(platform="console", external_id=f"p{i}", consent_state="given", onboarded=True,
                            language="da")
            p.consents.append(Consent(granted=True, version="1", language="da", text="samtykke"))
            s.add(p)
        s.commit()
    app.engine.dispose()


def run_driver(url: str, kill_after: float | None) -> list[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.drivers.ingest", url, str(PEOPLE), str(EACH)],
                            stdout=subprocess.PIPE, text=True)
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=120)
    return out.splitlines()


def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'samtale.db'}"
    seed(url)
    rng = random.Random(20261127)
    receipts: Counter[tuple[int, int]] = Counter()
    finished = False
    for kill_after in [rng.uniform(0.8, 2.5) for _ in range(3)] + [None]:
        lines = run_driver(url, kill_after)
        finished = finished or "DONE" in lines
        for line in lines:
            m = re.fullmatch(r"RECEIPT (\d+) (\d+)", line)
            if m:
                receipts[(int(m[1]), int(m[2]))] += 1
    assert finished
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    with app.sessions() as s:
        stored = Counter()
        for text, ext in s.execute(select(Reflection.text, Participant.external_id).join(Participant)):
            m = re.search(r"refleksion (\d+)-(\d+)", text)
            stored[(int(m[1]), int(m[2]))] += 1
    app.engine.dispose()
    assert max(stored.values()) == 1, "a reflection was stored twice"
    assert set(receipts) <= set(stored), "a receipt was sent for a reflection that was not stored"
    assert len(stored) == PEOPLE * EACH
    # Every receipt was sent once: a redelivery after a crash is recognised, not receipted again.
    assert max(receipts.values()) == 1
