"""The partnership's knowledge base as seen from the running program: sinks that receive digests
(a folder, an HMAC-signed webhook) and the weekly job that sends them."""
