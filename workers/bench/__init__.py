"""``khabar bench``: throughput and latency against the transport and NLP bounds."""
