"""Imports every model module, so Base.metadata knows all tables (migrations, tests, tools)."""
from storage import models  # noqa: F401
from storage import campaign_models  # noqa: F401
from storage import insight_models  # noqa: F401
from storage import event_models  # noqa: F401
from storage import audit_models  # noqa: F401
from storage import safety_models  # noqa: F401
from storage.base import Base

metadata = Base.metadata
