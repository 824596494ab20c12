"""Tests of the insights package: digests, disclosure control, exports, the report."""
