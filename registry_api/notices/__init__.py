"""Slack message builders: Block Kit and fallback text for bot answers, vendor cards and review messages.

Pure functions of registry data (no I/O), so that services can build a message inside the transaction
that records it in the outbox, and tests can check escaping without Slack. Sentences live in the Jinja
templates `templates/slack/bot_*.mrkdwn`; every value goes through the `mrkdwn` filter there.
"""

from registry_api.notices.blocks import Message

__all__ = ["Message"]
