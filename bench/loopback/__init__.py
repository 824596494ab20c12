"""Loopback instruments — a fake Telegram Bot API with rate limits and fault injection, subscriber seeding,
a delivery process — used by the benchmarks and by the tests; bench imports no test code, tests may import
these."""
