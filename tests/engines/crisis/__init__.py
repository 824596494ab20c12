"""Tests of the crisis engine: lexicon, matcher, its prepared form on disk."""
