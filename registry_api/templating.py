"""The Jinja2 environment of every outward text: HTML pages, the Atom feed, Slack message text.

Autoescaping is chosen by the file's last extension (`.html`, `.xml` escaped as HTML/XML); Slack text
(`.mrkdwn`) is not HTML, so every value put into it goes through the `mrkdwn` filter instead, which
escapes `& < >` so that a vendor named `<!channel>` pings no one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from registry_api import i18n

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def escape_mrkdwn(value: object) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the code: no file check on every render
    )
    env.filters.update(
        mrkdwn=escape_mrkdwn,
        date=i18n.fmt_date,
        datetime=i18n.fmt_datetime,
        kind=i18n.kind_label,
        category=i18n.category_label,
        use=i18n.use_label,
        mechanism=i18n.mechanism_label,
        country=i18n.country,
        field=i18n.field_label,
    )
    env.globals.update(t=i18n.t)
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
