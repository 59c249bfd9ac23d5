"""The client's real address behind reverse proxies (``MINYI_TRUSTED_PROXIES``, DESIGN §10).

Behind nginx every request comes from nginx's address: one rate-limit bucket and one burst
source for the whole city. With ``MINYI_TRUSTED_PROXIES=N`` Werkzeug's ProxyFix takes the client
address (and the scheme) from the last N entries of ``X-Forwarded-For`` (``X-Forwarded-Proto``),
which the N proxies appended themselves; entries further left were sent by the client and are
ignored. With the default 0 the headers are ignored and ``request.remote_addr`` is the peer.

Rate limits (``flask_limiter.util.get_remote_address``), burst detection and the session's
binding to its client all read ``request.remote_addr``, never the headers.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Wrap the WSGI app in ProxyFix for ``TRUSTED_PROXIES`` hops (nothing when 0)."""
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
