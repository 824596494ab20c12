"""Persistence: SQLAlchemy 2 models, engine and session set-up, repositories, Alembic migrations."""
