"""Tests of insights/: the digest, what others said, exports and the annual report."""
