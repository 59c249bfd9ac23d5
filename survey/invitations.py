"""Single-use invitation codes: generated at random (80 bits), shown once, stored only as a
keyed hash ``keyed_hash(secret, "invitation", normalize_code(code))``; revoked while unused.

A code is 16 characters of Crockford's base 32 in groups of four (``7KQX-2MBD-9F3T-H4WZ``),
short enough to type from a letter: the alphabet has no I, L, O or U, so nothing reads as
another character. :func:`normalize_code` accepts a code in any case, with or without spaces or
dashes, in full-width characters, and reads I and L as 1 and O as 0 (Crockford's rule). Codes
issued before (28 characters of RFC 4648 base 32, which has I, L and O but no 0 or 1) are
recognised by their length and hashed as they always were, so they keep working.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from survey import audit
from survey.db import utcnow
from survey.errors import Conflict, NotFound, ValidationFailed
from survey.hashing import keyed_hash
from survey.i18n import _
from survey.models import AccessMode, Invitation, Unit, UnitKind, Wave, WaveState

#: Crockford's base 32: digits and capitals without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 16  # 80 random bits
GROUP = 4
#: Codes issued before: 28 characters of RFC 4648 base 32, hashed without Crockford's mapping.
LEGACY_CODE = re.compile(r"[A-Z2-7]{28}")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]+")
_CROCKFORD = str.maketrans({"I": "1", "L": "1", "O": "0"})
MAX_CODES = 100_000
HASH_PURPOSE = "invitation"
_STRATUM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_=*.+-]{0,199}")


@dataclass(frozen=True)
class IssuedCode:
    """A freshly issued code (the only time the plain code exists) and where it belongs."""

    code: str
    stratum: str | None
    district: str | None
    #: The district's name in Chinese and English (printed on the slip instead of its code).
    district_names: tuple[str, str] | None = None

    def district_label(self, language: str) -> str:
        """The district in words in ``language`` (``zh`` or ``en``), else its code, else ``""``."""
        if self.district_names:
            zh, en = self.district_names
            return (en or zh) if language == "en" else zh
        return self.district or ""


def group_code(raw: str) -> str:
    """``raw`` in groups of four joined by dashes: ``7KQX2MBD…`` → ``7KQX-2MBD-…``."""
    return "-".join(raw[i:i + GROUP] for i in range(0, len(raw), GROUP))


def generate_code() -> str:
    """A new random code, e.g. ``7KQX-2MBD-9F3T-H4WZ`` (four groups of four characters)."""
    return group_code("".join(secrets.choice(ALPHABET) for _i in range(CODE_CHARS)))


def normalize_code(text: str) -> str:
    """What is hashed: the code in capitals without spaces or dashes, full-width characters
    read as ASCII (a Chinese input method types ``７ＫＱＸ－…``), and — except in a legacy
    28-character code — I and L read as 1 and O as 0."""
    plain = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    return plain if LEGACY_CODE.fullmatch(plain) else plain.translate(_CROCKFORD)


def code_hash(secret: str, code: str) -> str:
    """The stored fingerprint of ``code`` (use this to look an entered code up): the code is
    normalised here, so a code typed in any accepted form finds the invitation it was issued as."""
    return keyed_hash(secret, HASH_PURPOSE, normalize_code(code))


def find_invitation(session: Session, secret: str, code: str) -> Invitation | None:
    """The invitation of ``code`` (any wave), or None."""
    return session.scalar(select(Invitation).where(Invitation.code_hash == code_hash(secret, code)))


def _district_of(session: Session, stratum: str | None) -> Unit | None:
    """The district a stratum names: a district unit code itself, or ``district=CODE`` in it."""
    if not stratum:
        return None
    candidates = [stratum] + [part.split("=", 1)[1] for part in stratum.split("*")
                              if part.startswith("district=")]
    for code in candidates:
        unit = session.scalar(select(Unit).where(Unit.code == code, Unit.kind == UnitKind.DISTRICT))
        if unit is not None:
            return unit
    return None


def issue_codes(session: Session, wave: Wave, count: int, stratum: str | None, secret: str,
                actor: str) -> list[IssuedCode]:
    """Create ``count`` invitations; returns the plain codes (never stored).

    ``stratum`` may be a district unit code (the codes are bound to that district) or a cell
    such as ``district=D01*age_band=60-69``.
    """
    errors = []
    if not 1 <= count <= MAX_CODES:
        errors.append(("count", _("Issue between 1 and %(max)s codes at a time.", max=MAX_CODES)))
    stratum = (stratum or "").strip() or None
    if stratum is not None and not _STRATUM.fullmatch(stratum):
        errors.append(("stratum", _("A stratum is a district code or a cell such as "
                                    "district=D01*age_band=60-69.")))
    if errors:
        raise ValidationFailed(errors)
    if wave.access != AccessMode.INVITATION:
        raise Conflict(_("Wave %(name)s is open to everyone with the link; invitation codes are "
                         "for invitation waves.", name=wave.name))
    if wave.state == WaveState.CLOSED:
        raise Conflict(_("Wave %(name)s is closed; no codes can be issued.", name=wave.name))
    district = _district_of(session, stratum)
    if stratum is not None and district is None and "district=" in stratum:
        raise ValidationFailed([("stratum", _("The district in %(stratum)s is not a district "
                                              "unit code.", stratum=stratum))])
    now = utcnow()
    names = (district.name, district.name_en or "") if district else None
    issued = [IssuedCode(generate_code(), stratum, district.code if district else None, names)
              for _i in range(count)]
    session.add_all(Invitation(wave_id=wave.id, code_hash=code_hash(secret, item.code),
                               stratum=stratum, district_unit_id=district.id if district else None,
                               issued_at=now) for item in issued)
    session.flush()
    audit.record(session, actor, "invitation.issue", "wave", wave.id,
                 new={"count": count, "stratum": stratum})
    return issued


def revoke_code(session: Session, wave: Wave, code: str, secret: str, actor: str) -> None:
    """Revoke one unused code of ``wave`` (the administrator types it)."""
    invitation = session.scalar(select(Invitation).where(
        Invitation.wave_id == wave.id, Invitation.code_hash == code_hash(secret, code)))
    if invitation is None:
        raise NotFound(_("No such code in this wave."))
    if invitation.used_at is not None:
        raise Conflict(_("This code has already been used; it cannot be revoked."))
    if invitation.revoked_at is not None:
        raise Conflict(_("This code is already revoked."))
    invitation.revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "invitation.revoke", "invitation", invitation.id,
                 old={"revoked_at": None}, new={"revoked_at": invitation.revoked_at})


def revoke_unused(session: Session, wave: Wave, stratum: str | None, actor: str) -> int:
    """Revoke every unused, unrevoked code of ``wave`` (of one stratum if given); the count."""
    conditions = [Invitation.wave_id == wave.id, Invitation.used_at.is_(None),
                  Invitation.revoked_at.is_(None)]
    if stratum:
        conditions.append(Invitation.stratum == stratum)
    result = session.execute(update(Invitation).where(*conditions).values(revoked_at=utcnow())
                             .execution_options(synchronize_session=False))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    session.expire_all()
    audit.record(session, actor, "invitation.revoke_unused", "wave", wave.id,
                 new={"revoked": count, "stratum": stratum or None})
    return count


def code_counts(session: Session, wave: Wave) -> list[tuple[str | None, int, int, int]]:
    """Per stratum: ``(stratum, issued, used, revoked)``."""
    rows = session.execute(select(
        Invitation.stratum, func.count(Invitation.id), func.count(Invitation.used_at),
        func.count(Invitation.revoked_at)).where(Invitation.wave_id == wave.id)
        .group_by(Invitation.stratum).order_by(Invitation.stratum))
    return [(s, int(i), int(u), int(r)) for s, i, u, r in rows]


def codes_csv(wave: Wave, codes: list[IssuedCode], link: str) -> str:
    """The only place plain codes are written: ``wave_id, code, stratum, district, link``.

    ``link`` is a format string with ``{code}`` (the survey's code link).
    """
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["wave_id", "code", "stratum", "district", "link"])
    for item in codes:
        writer.writerow([wave.id, item.code, item.stratum or "", item.district or "",
                         link.format(code=item.code)])
    return out.getvalue()
