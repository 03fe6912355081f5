"""A version's fingerprint: the ETag of an API response, and the token an editor sends
back with a save (refused if the record changed meanwhile)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def etag_for(data: Any, representation: str = "json") -> str:
    """A strong ETag for a response body, whatever renders it (JSON or the browsable
    API): a hash of the data itself. If-Match on a write compares against the ETag of
    the record's JSON representation, the one a GET returns."""
    blob = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(f"{representation}\n{blob}".encode()).hexdigest()[:32]
    return f'"{digest}"'
