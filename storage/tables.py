"""Every model module, so Base.metadata knows all tables (migrations, tests, tools)."""
from storage import audit_models, campaign_models, care_models, checkin_models, dashboard_models, directory_models, \
    event_models, insight_models, loop_models, message_models, models, reply_models, safety_models, statement_models
from storage.base import Base

# A table is known to Base.metadata once its model class is defined; naming the modules here makes that
# dependency a value the code uses instead of an import kept only for its side effect.
MODEL_MODULES = (models, campaign_models, insight_models, event_models, audit_models, safety_models,
                 message_models, care_models, checkin_models, loop_models, reply_models, dashboard_models,
                 statement_models, directory_models)
metadata = Base.metadata
