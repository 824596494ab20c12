"""Tests of the handlers framework: parsing, dispatch, common helpers."""
