"""Operator health: the figures an operator watches (queue depth, lag,
failures, webhook intake), the Prometheus endpoint and `drip_status` that
show them, and the retry of failed messages."""
