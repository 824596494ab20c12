"""In-process fakes of external services for the tests (the fake Telegram Bot API is in bench/loopback)."""
