"""Scheduling: campaign cadence by rule, one leader among processes, and the one list of periodic jobs."""
