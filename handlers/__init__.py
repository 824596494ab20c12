"""Platform-neutral conversation logic: pure async functions, one module per feature."""
