"""What a change of a recipient must set in motion, run inside the transaction of the change.

Consequences (public-list versions and their notices, audit pull-forwards) are recorded here, in the
same transaction, so that no crash between the change and its consequence can lose one.
"""

from __future__ import annotations

from registry_api.schemas.recipients import RecipientOut


async def recipient_changed(
    before: RecipientOut | None, after: RecipientOut, actor: str, publication: object | None = None
) -> None:
    from registry_api.services import audits
    from registry_api.services import publication as public_list

    await public_list.on_recipient_changed(before, after, actor, publication)  # type: ignore[arg-type]
    await audits.on_recipient_changed(before, after, actor)
