"""What operators see: Prometheus metrics, health endpoints and structured logs."""
