"""Tests of handlers/: commands, roles and the features, through the core as a console person."""
