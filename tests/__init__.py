"""Tests: they mirror the packages; shared helpers live in tests/support, loopback instruments in bench/loopback."""
