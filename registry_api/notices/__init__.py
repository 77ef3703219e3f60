"""Slack message builders: Block Kit and fallback text of what the registry says in Slack.

Pure functions of registry data (no I/O), so that a service can build a message inside the transaction
that records it in the outbox, and tests can check escaping and Slack's limits without Slack. Sentences
live in Jinja templates (`templates/slack/*.mrkdwn`); every value goes through the `mrkdwn` filter there.
`blocks` holds the shared pieces (limits, safe mentions and links); `answers` and `vendors` the bot's
messages.
"""

from registry_api.notices.blocks import Message

__all__ = ["Message"]
