"""Tests of the conversation handlers, one module per feature, mirroring handlers/."""
