"""The Slack bot: a slack-bolt AsyncApp whose listeners call the registry's services, never its tables."""
