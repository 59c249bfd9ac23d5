"""Bearer tokens of the published-results API: shown once, stored as SHA-256 only."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import audit
from survey.db import utcnow
from survey.errors import NotFound, ValidationFailed
from survey.hashing import sha256_hex
from survey.i18n import _
from survey.models import ApiToken, User

SCOPE = "results:read"


def create_token(session: Session, name: str, username: str, actor: str) -> tuple[ApiToken, str]:
    """A new token for ``username``; returns the row and the secret (never stored)."""
    name = (name or "").strip()
    errors = []
    if not name or len(name) > 100:
        errors.append(("name", _("A token name of 1 to 100 characters is required.")))
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        errors.append(("user", _("Unknown user %(name)s.", name=username)))
    if errors or user is None:
        raise ValidationFailed(errors)
    secret = "my_" + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=sha256_hex(secret), name=name, user_id=user.id, scope=SCOPE)
    session.add(token)
    session.flush()
    audit.record(session, actor, "api_token.create", "api_token", token.id,
                 new={"name": name, "user": username, "scope": SCOPE})
    return token, secret


def authenticate_token(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, owner active), else None."""
    if not secret:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def revoke_token(session: Session, token_id: int, actor: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("API token %(id)s does not exist.", id=token_id))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "api_token.revoke", "api_token", token.id,
                     old={"revoked": False}, new={"revoked": True})
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
