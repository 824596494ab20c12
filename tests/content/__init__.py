"""Tests of content/: locales, municipalities and the campaigns shipped with Samtale."""
