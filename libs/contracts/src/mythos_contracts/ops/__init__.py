"""The operations contract: the log line, the health endpoints and the metric names.

Dashboards, alerts and log pipelines depend on these names, so every service takes them
from here rather than spelling its own.
"""
