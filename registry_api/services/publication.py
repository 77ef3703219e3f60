"""The public subprocessor list: a versioned projection of the registry, and the notices it owes.

A change of the projection (from any write, or found by the periodic full recompute) becomes a numbered
version with its diff, effective date and objection deadline, recorded in the same transaction as the
change together with its notices in the outbox (Slack, webhooks, and the "now in effect" message).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import msgspec

from registry_api import i18n
from registry_api.clock import clock, start_of_day
from registry_api.db.tables import ListVersion, Recipient, Webhook
from registry_api.domain import public_list
from registry_api.domain.enums import Status
from registry_api.domain.recipient_rules import Problem
from registry_api.schemas.recipients import Publication as PublishRequest
from registry_api.schemas.recipients import RecipientOut
from registry_api.services import outbox
from registry_api.services.errors import Invalid, NotFound
from registry_api.services.tx import is_sqlite, write_transaction
from registry_api.settings import current as settings
from registry_api.templating import render

LATEST_TTL_SECONDS = 1.0
ADVISORY_LOCK_KEY = 7_302_611


@dataclass(frozen=True, slots=True)
class Version:
    number: int
    announced_at: object
    effective_on: date
    objection_deadline: date | None
    needs_notice: bool
    content_hash: str
    snapshot: dict
    diff: dict
    reason: str
    actor: str


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("publication_deferred", default=False)
_latest_cache: dict[str, object] = {"number": None, "checked": 0.0}
_snapshot_cache: dict[int, dict] = {}


def reset_caches() -> None:
    _latest_cache.update(number=None, checked=0.0)
    _snapshot_cache.clear()


# ---------------------------------------------------------------- projection


def public_entry(r: RecipientOut) -> dict | None:
    """What clients may see of a recipient: active and public only, public fields only."""
    if r.status != Status.active or not r.public:
        return None
    return {
        "name": r.name,
        "legal_name": r.legal_name,
        "address": r.address,
        "contact_name": r.contact_name,
        "contact_email": r.contact_email,
        "website": r.website,
        "service": r.service_description,
        "kind": str(r.kind),
        "data_categories": sorted(c.code for c in r.data_categories),
        "locations": sorted(
            (
                {
                    "country": loc.country,
                    "city": loc.city,
                    "use": str(loc.use),
                    "mechanism": str(loc.mechanism) if loc.mechanism else None,
                    "scc_module": loc.scc_module,
                }
                for loc in r.locations
            ),
            key=lambda loc: (loc["country"], loc["city"], loc["use"], loc["mechanism"] or ""),
        ),
        "solutions": sorted(r.solutions),
    }


async def full_projection() -> dict[str, dict]:
    from registry_api.services.recipients import hydrate

    rows = (
        await Recipient.select()
        .where((Recipient.status == Status.active) & (Recipient.public == True))  # noqa: E712
        .order_by(Recipient.id)
        .output(load_json=True)
    )
    snapshot: dict[str, dict] = {}
    for r in await hydrate(rows):
        entry = public_entry(r)
        if entry is not None:
            snapshot[r.slug] = entry
    return snapshot


# ---------------------------------------------------------------- publishing


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Batch writes (demo seed, imports) publish once at the end instead of once per recipient."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def is_deferred() -> bool:
    return _deferred.get()


async def on_recipient_changed(
    before: RecipientOut | None, after: RecipientOut, actor: str, request: PublishRequest | None = None
) -> Version | None:
    """Called inside the write transaction of every recipient change."""
    if is_deferred():
        return None
    old_entry = public_entry(before) if before else None
    new_entry = public_entry(after)
    if old_entry == new_entry and request is None:
        return None
    return await publish(actor, request, changed={after.slug: new_entry})


async def publish(
    actor: str, request: PublishRequest | None = None, changed: dict[str, dict | None] | None = None
) -> Version | None:
    """Record a new version if the projection changed. `changed` updates the latest snapshot for a few
    slugs (fast path of a single write); without it the whole projection is recomputed."""
    async with write_transaction():
        await _lock()
        latest_no, old = await _latest_snapshot()
        if changed is None:
            new = await full_projection()
        else:
            new = dict(old)
            for slug, entry in changed.items():
                if entry is None:
                    new.pop(slug, None)
                else:
                    new[slug] = entry
        d = public_list.diff(old, new)
        if d.empty:
            return None
        today = clock().today()
        request = request or PublishRequest()
        try:
            effective = public_list.effective_date(
                d, today, settings().notice_period_days, request.effective_on, request.reason or None
            )
        except public_list.EarlyDateWithoutReason as exc:
            raise Invalid([Problem("publication.reason", "reason_required", str(exc))]) from exc
        except ValueError as exc:
            raise Invalid([Problem("publication.effective_on", "invalid_date", str(exc))]) from exc
        deadline = public_list.objection_deadline(effective, today) if d.needs_notice and effective > today else None
        version = Version(
            number=(latest_no or 0) + 1,
            announced_at=clock().now(),
            effective_on=effective,
            objection_deadline=deadline,
            needs_notice=d.needs_notice,
            content_hash=public_list.content_hash(new),
            snapshot=new,
            diff=d.to_dict(old, new),
            reason=request.reason.strip(),
            actor=actor,
        )
        await ListVersion.insert(
            ListVersion(
                number=version.number,
                announced_at=version.announced_at,
                effective_on=version.effective_on,
                objection_deadline=version.objection_deadline,
                needs_notice=version.needs_notice,
                content_hash=version.content_hash,
                snapshot=msgspec.json.encode(version.snapshot).decode(),
                diff=msgspec.json.encode(version.diff).decode(),
                reason=version.reason,
                actor=actor,
            )
        )
        await _record_notices(version, today)
    _snapshot_cache.clear()
    _snapshot_cache[version.number] = version.snapshot
    _latest_cache.update(number=version.number, checked=time.monotonic())
    return version


async def _latest_snapshot() -> tuple[int | None, dict]:
    """The newest version's number and snapshot; the snapshot (megabytes for a long list) is parsed once
    per version and kept, never mutated: a new snapshot is a new dict sharing the unchanged entries."""
    row = await ListVersion.select(ListVersion.number).order_by(ListVersion.number, ascending=False).first()
    if row is None:
        return None, {}
    number = row["number"]
    snapshot = _snapshot_cache.get(number)
    if snapshot is None:
        snapshot = (await get_version(number)).snapshot
        _snapshot_cache.clear()
        _snapshot_cache[number] = snapshot
    return number, snapshot


async def _lock() -> None:
    """Serialise publishers: on PostgreSQL two replicas could otherwise both take the next number."""
    if not is_sqlite():
        await ListVersion.raw(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")


async def _record_notices(version: Version, today: date) -> None:
    lang = settings().language
    text, blocks = notice_message(version, lang)
    await outbox.enqueue_slack(f"list-notice:v{version.number}", "notice", text, blocks)
    if version.effective_on > today:
        in_effect = i18n.t(
            lang, "notice_in_effect", number=version.number, date=i18n.fmt_date(version.effective_on, lang)
        )
        await outbox.enqueue_slack(
            f"list-effective:v{version.number}",
            "notice",
            in_effect,
            due_at=start_of_day(version.effective_on) + timedelta(hours=8),
        )
    body = webhook_body(version)
    for hook in await Webhook.select(Webhook.id).where(Webhook.active == True):  # noqa: E712
        await outbox.enqueue(
            outbox.WEBHOOK, f"webhook:{hook['id']}:v{version.number}", {"webhook_id": hook["id"], "body": body}
        )


def public_page_url() -> str:
    return f"{settings().public_base_url}/subprocessors"


def notice_message(version: Version, lang: str) -> tuple[str, list[dict]]:
    """Slack text and blocks of a change notice: what changed, from when, until when one may object."""
    body = render("slack/list_notice.mrkdwn", v=version, lang=lang, diff=version.diff)
    title = i18n.t(lang, "notice_title", number=version.number)
    dates = [i18n.t(lang, "notice_effective", date=i18n.fmt_date(version.effective_on, lang))]
    if version.objection_deadline:
        dates.append(i18n.t(lang, "notice_deadline", date=i18n.fmt_date(version.objection_deadline, lang)))
    if version.reason:
        dates.append(i18n.t(lang, "reason", reason=version.reason).replace("&", "&amp;").replace("<", "&lt;"))
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(dates)}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": i18n.t(lang, "view_page")},
                    "url": f"{public_page_url()}?lang={lang}",
                    "action_id": "open_public_list",
                }
            ],
        },
    ]
    text = f"{title}\n{body}\n" + " · ".join(dates)
    return text, blocks


def webhook_body(version: Version) -> dict:
    return {
        "event": "subprocessors.changed",
        "version": version.number,
        "announced_at": version.announced_at.isoformat(),
        "effective_on": version.effective_on.isoformat(),
        "objection_deadline": version.objection_deadline.isoformat() if version.objection_deadline else None,
        "reason": version.reason,
        "changes": version.diff,
        "url": public_page_url(),
    }


# ---------------------------------------------------------------- reading


def _version(row: dict) -> Version:
    snapshot = row["snapshot"]
    return Version(
        number=row["number"],
        announced_at=row["announced_at"],
        effective_on=row["effective_on"],
        objection_deadline=row["objection_deadline"],
        needs_notice=bool(row["needs_notice"]),
        content_hash=row["content_hash"],
        snapshot=snapshot,
        diff=row["diff"],
        reason=row["reason"],
        actor=row["actor"],
    )


async def latest_number(max_age: float = LATEST_TTL_SECONDS) -> int | None:
    """The newest version number, cached for a second: the public list is read far more than it changes,
    and another replica's change shows within `max_age`."""
    now = time.monotonic()
    if max_age > 0 and now - float(_latest_cache["checked"]) < max_age:  # type: ignore[arg-type]
        return _latest_cache["number"]  # type: ignore[return-value]
    row = await ListVersion.select(ListVersion.number).order_by(ListVersion.number, ascending=False).first()
    number = row["number"] if row else None
    _latest_cache.update(number=number, checked=now)
    return number


async def latest_version() -> Version | None:
    row = await ListVersion.select().order_by(ListVersion.number, ascending=False).first().output(load_json=True)
    return _version(row) if row else None


async def get_version(number: int) -> Version:
    row = await ListVersion.select().where(ListVersion.number == number).first().output(load_json=True)
    if row is None:
        raise NotFound(f"no version {number} of the public list")
    return _version(row)


async def version_as_of(day: date) -> Version | None:
    """The newest version announced on or before `day` (Paris): what a client saw that day."""
    end = start_of_day(day + timedelta(days=1))
    row = (
        await ListVersion.select()
        .where(ListVersion.announced_at < end)
        .order_by(ListVersion.number, ascending=False)
        .first()
        .output(load_json=True)
    )
    return _version(row) if row else None


async def versions(limit: int = 100, offset: int = 0, with_snapshot: bool = False) -> list[Version]:
    columns = [c for c in ListVersion._meta.columns if with_snapshot or c._meta.name != "snapshot"]
    rows = (
        await ListVersion.select(*columns)
        .order_by(ListVersion.number, ascending=False)
        .limit(limit)
        .offset(offset)
        .output(load_json=True)
    )
    return [_version({"snapshot": {}, **row}) for row in rows]


async def pending_versions(today: date, up_to: int | None = None) -> list[Version]:
    """Versions not yet in effect on `today` (the "upcoming changes" of the public page)."""
    query = ListVersion.select(*[c for c in ListVersion._meta.columns if c._meta.name != "snapshot"]).where(
        ListVersion.effective_on > today
    )
    if up_to is not None:
        query = query.where(ListVersion.number <= up_to)
    rows = await query.order_by(ListVersion.number).output(load_json=True)
    return [_version({"snapshot": {}, **row}) for row in rows]


def upcoming_slugs(pending: list[Version]) -> dict[str, date]:
    """Entries added, or whose locations change, by a version not yet in effect, with its date."""
    dates: dict[str, date] = {}
    for version in pending:
        if not version.needs_notice:
            continue
        for item in version.diff.get("added", []):
            dates[item["slug"]] = version.effective_on
        for item in version.diff.get("changed", []):
            if any(f["field"] in public_list.SAFEGUARD_FIELDS for f in item["fields"]):
                dates[item["slug"]] = version.effective_on
    return dates


# ---------------------------------------------------------------- public views


def _entry_view(slug: str, entry: dict, upcoming: dict[str, date]) -> dict:
    from registry_api.domain.reference import data_categories, eea_countries

    known = data_categories()
    eea = eea_countries()
    return {
        "slug": slug,
        **entry,
        "locations": [{**loc, "in_eea": loc["country"] in eea} for loc in entry["locations"]],
        "sensitive": any(known[c].sensitive for c in entry["data_categories"] if c in known),
        "status": "upcoming" if slug in upcoming else "in_effect",
        "effective_on": upcoming[slug].isoformat() if slug in upcoming else None,
    }


def change_view(version: Version) -> dict:
    return {
        "version": version.number,
        "announced_at": version.announced_at.isoformat(),
        "effective_on": version.effective_on.isoformat(),
        "objection_deadline": version.objection_deadline.isoformat() if version.objection_deadline else None,
        "needs_notice": version.needs_notice,
        "reason": version.reason,
        "changes": version.diff,
    }


async def public_view(version: Version | None, today: date) -> dict:
    """The public list as clients read it: entries (upcoming ones flagged with their date) and the
    changes announced but not yet in effect. Never reads the registry, only the published version."""
    s = settings()
    base = {
        "company": s.company_name,
        "objection_contact": s.dpo_email,
        "page": f"{s.public_base_url}/subprocessors",
        "feed": f"{s.public_base_url}/subprocessors.atom",
    }
    if version is None:
        return {**base, "version": None, "subprocessors": [], "upcoming": []}
    pending = await pending_versions(today, up_to=version.number)
    upcoming = upcoming_slugs(pending)
    entries = sorted(version.snapshot.items(), key=lambda item: (item[1]["kind"], item[1]["name"].lower()))
    return {
        **base,
        "version": version.number,
        "announced_at": version.announced_at.isoformat(),
        "effective_on": version.effective_on.isoformat(),
        "content_hash": version.content_hash,
        "subprocessors": [_entry_view(slug, entry, upcoming) for slug, entry in entries],
        "upcoming": [change_view(v) for v in pending],
    }
