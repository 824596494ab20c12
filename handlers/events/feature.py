"""The events feature as one value: what its parts contribute, for bot/app.py to assemble."""
from handlers.core.context import Feature
from handlers.events import finding, manage, mine, names, newevent, organiser, personal, signup

FEATURE = Feature.combine("events", finding.FEATURE, signup.FEATURE, newevent.FEATURE, manage.FEATURE,
                          mine.FEATURE, organiser.FEATURE, names.FEATURE, personal.FEATURE)
