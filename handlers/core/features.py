"""Every feature module, imported once so its commands, buttons and text steps are registered."""
from handlers import erasure, info, mydata, onboarding, reflections, settings  # noqa: F401
from handlers import campaigns  # noqa: F401
from handlers import events  # noqa: F401
from handlers import facilitator  # noqa: F401
from handlers import summaries  # noqa: F401
