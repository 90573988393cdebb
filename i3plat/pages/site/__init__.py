"""`/sites/<site>` — site monitoring (集群监控); Dash imports `page.py`, the helpers are private."""
