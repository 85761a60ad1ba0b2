"""Chinese texts of the third-party components (AG Grid's localeText, dcc.Dropdown's labels), read from
dashboards/locale_zh.json."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LOCALE_FILE = Path(__file__).with_name("locale_zh.json")


@lru_cache(maxsize=1)
def _texts() -> dict:
    return json.loads(LOCALE_FILE.read_text(encoding="utf-8"))


def ag_grid() -> dict:
    return dict(_texts()["ag_grid"])


def dropdown() -> dict:
    return dict(_texts()["dropdown"])
