"""HTTP routers; each carries the full path so route templates in logs and metrics are real."""

API_PREFIX = "/api"
