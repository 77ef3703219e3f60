"""Recipient registry: who receives which personal data, where, under which transfer safeguard."""

import os

# Piccolo finds its engine through this module; set before any table is imported.
os.environ.setdefault("PICCOLO_CONF", "registry_api.db.piccolo_conf")
