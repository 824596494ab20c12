"""Platform-neutral conversation logic: one module or package per feature (its handlers, flows and
texts), written against the framework in handlers/core. Never imports bot/ or a platform library."""
