"""A throwaway PostgreSQL database for one benchmark run: its URL, and a function that drops it."""
from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def throwaway_database(admin_url: str = PG_ADMIN) -> tuple[str, Callable[[], None]]:
    name = f"samtale_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop
