"""Re-validate every transfer of the registry, e.g. after the adequacy list changed (the DPF case)."""

from __future__ import annotations

from dataclasses import dataclass

from registry_api.db.tables import Recipient
from registry_api.domain.enums import Status
from registry_api.domain.recipient_rules import Verdict
from registry_api.domain.reference import AdequacyList
from registry_api.services import recipients

PAGE = 500


@dataclass(frozen=True, slots=True)
class RecipientCheck:
    slug: str
    name: str
    verdict: Verdict


async def check_all(adequacy: AdequacyList | None = None) -> list[RecipientCheck]:
    """Every recipient that is not retired or rejected, judged by the same rule as a write."""
    results: list[RecipientCheck] = []
    offset = 0
    live = [Status.active, Status.proposed]
    while True:
        rows = (
            await Recipient.select()
            .where(Recipient.status.is_in(live))
            .order_by(Recipient.id)
            .limit(PAGE)
            .offset(offset)
            .output(load_json=True)
        )
        if not rows:
            return results
        for recipient in await recipients.hydrate(rows):
            verdict = recipients.validate(recipients.as_create(recipient), adequacy)
            results.append(RecipientCheck(recipient.slug, recipient.name, verdict))
        offset += PAGE
