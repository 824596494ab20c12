"""Tests of handlers/core/: dispatch, flood, aftercare."""
