"""Canonical JSON and the hashes that make submissions idempotent and data reproducible."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

#: The request fields that make up a submission's body hash (the idempotency fingerprint).
BODY_FIELDS = ("invitation_code", "started_at", "answers", "ratings")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def body_sha256(body: dict[str, Any]) -> str:
    """Hash of a submission body over :data:`BODY_FIELDS` (absent fields count as null)."""
    return sha256_hex(canonical_json({k: body.get(k) for k in BODY_FIELDS}))


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` for one ``purpose`` (linkage, source, device, code)."""
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def strata_key(values: dict[str, str]) -> str:
    """Canonical ``variable=category;...`` string stored on a submission for SQL grouping."""
    return ";".join(f"{k}={values[k]}" for k in sorted(values))
