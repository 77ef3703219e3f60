"""Settings from the environment (and a `.env` file), read once by the composition root."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dotenv import load_dotenv

DEFAULT_DATABASE_URL = "sqlite:///var/registry.db"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def _cycles(value: str | None) -> dict[str, int]:
    """`critical=12,high=12,medium=24,low=36` (months); unnamed criticalities keep their default."""
    cycles: dict[str, int] = {}
    for part in _list(value):
        name, _, months = part.partition("=")
        if name.strip() not in ("critical", "high", "medium", "low") or not months.strip().isdigit():
            raise SystemExit(f"AUDIT_CYCLE_MONTHS: expected e.g. critical=12,medium=24, got {part!r}")
        if int(months) < 1:
            raise SystemExit(f"AUDIT_CYCLE_MONTHS: a cycle is at least one month, got {part!r}")
        cycles[name.strip()] = int(months)
    return cycles


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    admin_token: str | None = None
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_notice_channel: str | None = None
    slack_audit_channel: str | None = None
    slack_review_channel: str | None = None
    slack_approvers: tuple[str, ...] = field(default_factory=tuple)
    notice_period_days: int = 30
    scheduler_enabled: bool = True
    audit_reminder_cron: str = "0 8 * * 1-5"
    audit_cycle_months: dict[str, int] = field(default_factory=dict)
    demo_data: bool = False
    outbox_interval_seconds: float = 2.0
    language: str = "fr"
    company_name: str = "IPORTA"
    dpo_email: str = "privacy@visiativ.com"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and self.slack_bot_token)

    @classmethod
    def from_env(cls, dotenv: bool = True) -> Settings:
        if dotenv:
            load_dotenv(override=False)
        env = os.environ.get
        host = env("HOST") or "127.0.0.1"
        port = _int("PORT", 8000)
        return cls(
            database_url=env("DATABASE_URL") or DEFAULT_DATABASE_URL,
            host=host,
            port=port,
            public_base_url=(env("PUBLIC_BASE_URL") or f"http://{host}:{port}").rstrip("/"),
            admin_token=env("REGISTRY_ADMIN_TOKEN") or None,
            slack_signing_secret=env("SLACK_SIGNING_SECRET") or None,
            slack_bot_token=env("SLACK_BOT_TOKEN") or None,
            slack_api_url=env("SLACK_API_URL") or "https://slack.com/api/",
            slack_notice_channel=env("SLACK_NOTICE_CHANNEL") or None,
            slack_audit_channel=env("SLACK_AUDIT_CHANNEL") or None,
            slack_review_channel=env("SLACK_REVIEW_CHANNEL") or None,
            slack_approvers=_list(env("SLACK_APPROVERS")),
            notice_period_days=_int("NOTICE_PERIOD_DAYS", 30),
            scheduler_enabled=_bool(env("SCHEDULER_ENABLED"), True),
            audit_reminder_cron=env("AUDIT_REMINDER_CRON") or "0 8 * * 1-5",
            audit_cycle_months=_cycles(env("AUDIT_CYCLE_MONTHS")),
            demo_data=_bool(env("DEMO_DATA"), False),
            outbox_interval_seconds=float(env("OUTBOX_INTERVAL_SECONDS") or 2.0),
            language=(env("DEFAULT_LANGUAGE") or "fr") if (env("DEFAULT_LANGUAGE") or "fr") in ("fr", "en") else "fr",
            company_name=env("COMPANY_NAME") or "IPORTA",
            dpo_email=env("DPO_EMAIL") or "privacy@visiativ.com",
        )


_current: Settings | None = None


def configure(settings: Settings) -> None:
    """Make `settings` the ones services read (notice period, links, channels); set by the app and CLI."""
    global _current
    _current = settings


def current() -> Settings:
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current
