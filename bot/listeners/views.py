"""Modal submissions: the vendor request from `/vendor new`.

This is the one listener that works before it acks: Slack shows inline errors only if they come in the
ack (`response_action: errors`), so the request is validated and saved first (a few milliseconds), then
the modal is either annotated or replaced by a confirmation.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import intake
from registry_api.notices import problems
from registry_api.services import vendor_requests
from registry_api.services.errors import Conflict, Invalid
from registry_api.settings import Settings

log = logging.getLogger("registry.bot")


def register(app: AsyncApp, settings: Settings) -> None:
    async def vendor_request(ack: AsyncAck, body: dict, view: dict) -> None:
        meta = intake.Metadata.decode(view.get("private_metadata"), settings.language)
        lang = meta.lang
        form = intake.read((view.get("state") or {}).get("values") or {}, lang)
        if form.data is None:
            await ack(response_action="errors", errors=form.errors)
            return
        try:
            created = await vendor_requests.submit(form.data, (body.get("user") or {}).get("id") or "")
        except Invalid as exc:
            await ack(response_action="errors", errors=intake.errors_for(exc.problems, form.slots, lang))
            return
        except Conflict as exc:
            text = problems.message("duplicate_name", lang)
            slug = exc.extra.get("slug") if isinstance(exc.extra, dict) else None
            await ack(response_action="errors", errors={intake.NAME: f"{text} ({slug})" if slug else text})
            return
        except Exception:
            log.exception("vendor request failed")
            await ack(response_action="errors", errors={intake.NAME: problems.message("unavailable", lang)})
            return
        await ack(response_action="update", view=intake.submitted_view(created, settings.slack_review_channel, lang))

    app.view(intake.CALLBACK_ID)(vendor_request)
