"""Tests of engines/: crisis check, scrubbing, language and theme detection, dates."""
