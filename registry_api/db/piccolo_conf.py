"""Piccolo's configuration module (found through PICCOLO_CONF); `DB` is replaced by `use_database`.

`DB` is created on first use (PEP 562), so that importing the tables touches no database.
"""

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

APP_REGISTRY = AppRegistry(apps=["registry_api.db.piccolo_app"])


def __getattr__(name: str) -> Engine:
    if name == "DB":
        from registry_api.db.engine import make_engine
        from registry_api.settings import DEFAULT_DATABASE_URL

        engine = make_engine(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
        globals()["DB"] = engine
        return engine
    raise AttributeError(name)
