"""Tests of storage/: migrations (the rescrub data migration among them) and retention."""
