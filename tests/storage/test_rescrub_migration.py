"""The one-time migration scrubs reflections stored before scrubbing existed."""
from __future__ import annotations

import sqlite3

from alembic import command

from bot.app import build_app
from bot.config import Settings
from storage.db import make_engine
from storage.migrate import alembic_config


def test_old_rows_are_scrubbed_on_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004_retention")
    raw = sqlite3.connect(tmp_path / "old.db")
    raw.execute("insert into participants (id, platform, external_id, created_at, quote_default, role, "
                "consent_state, onboarded) values (1, 'console', 'x', '2025-01-01', 0, 'citizen', 'given', 1)")
    raw.execute("insert into reflections (participant_id, text, language, created_at, quotable, crisis, hidden, "
                "areas) values (1, 'Ring til mig på 12 34 56 78 eller skriv til ane@eksempel.dk', 'da', "
                "'2025-01-01', 0, 0, 0, '[]'), (1, 'Intet personligt her, kl. 14.30 den 5/12', 'da', "
                "'2025-01-01', 0, 0, 0, '[]')")
    raw.commit()
    raw.close()
    engine.dispose()
    app = build_app(Settings.model_validate({"database": {"url": url}}), migrate=False)
    from storage.migrate import upgrade

    upgrade(app.engine, url)
    with app.engine.connect() as conn:
        texts = [t for (t,) in conn.exec_driver_sql("select text from reflections order by id")]
    assert texts == ["Ring til mig på [telefon] eller skriv til [email]", "Intet personligt her, kl. 14.30 den 5/12"]
    app.engine.dispose()
