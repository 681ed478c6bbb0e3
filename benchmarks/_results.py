"""Where every benchmark leaves its figures: one JSON file each, UTF-8, readable by people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_json(path: Path, result: Any) -> Path:
    """Write ``result`` as indented JSON (accents kept), creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
