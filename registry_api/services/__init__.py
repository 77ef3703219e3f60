"""Use cases: the one way every surface (HTTP, Slack, CLI, jobs) reads and changes the registry."""
