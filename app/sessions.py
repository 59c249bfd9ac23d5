"""The signed cookie session, with its signer built once instead of on every request."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_VERIFIED = 4096


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session. Flask builds the cookie's serializer (key derivation included)
    twice per request; it depends only on the secret keys, so it is kept per key set."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}
        self._verified: OrderedDict[tuple[object, str], tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
            return serializer

    def peek(self, app: Flask, cookie: str) -> dict[str, Any] | None:
        """The data of the session cookie ``cookie`` (None: absent, forged or expired), for
        reading only: the dict is shared with later calls for the same cookie. A cookie once
        verified is remembered (the last :data:`MAX_VERIFIED`), so a citizen's pages skip the
        signature check and the decoding; the cookie's age is still checked every time."""
        serializer = self.get_signing_serializer(app)
        if serializer is None or not cookie:
            return None
        key = (serializer, cookie)
        with self._lock:
            hit = self._verified.get(key)
            if hit is not None:
                self._verified.move_to_end(key)
        if hit is None:
            try:
                data, signed_at = serializer.loads(cookie, return_timestamp=True)
            except BadSignature:
                return None
            if not isinstance(data, dict):
                return None
            hit = (data, signed_at.timestamp())
            with self._lock:
                self._verified[key] = hit
                while len(self._verified) > MAX_VERIFIED:
                    self._verified.popitem(last=False)
        if time.time() - hit[1] > int(app.permanent_session_lifetime.total_seconds()):
            return None
        return hit[0]
