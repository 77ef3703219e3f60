"""Render one macro of a `templates/slack/bot_*.mrkdwn` file with the bot's label helpers.

The texts live in templates so that wording changes never touch code; the macros take their values as
arguments, which keeps each message's inputs explicit (StrictUndefined catches a missing one in tests).
"""

from __future__ import annotations

from typing import Any

from registry_api.notices import blocks, labels
from registry_api.templating import environment

HELPERS: dict[str, Any] = {
    "role": labels.role,
    "status": labels.status,
    "criticality": labels.criticality,
    "scc": labels.scc_module,
    "basis": labels.basis,
    "safeguard": labels.safeguard,
    "link": blocks.link,
}


def macro(template: str, name: str, /, **values: Any) -> str:
    """The macro's output without the blank lines that template indentation leaves around it."""
    module = environment().get_template(f"slack/{template}", globals=HELPERS).module
    return str(getattr(module, name)(**values)).strip("\n ")
