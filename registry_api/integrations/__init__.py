"""Clients of the outside world (Slack Web API, client webhooks), configured from settings."""
