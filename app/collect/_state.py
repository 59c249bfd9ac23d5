"""The survey session: answers so far, the server-issued submission id and the issue time.

The state is kept on the server (``survey.survey_sessions``) under a random token that the signed
session cookie carries: a cookie holds 4 KB at most, and a few long comments would overflow it,
so that the browser would drop the cookie and every answer with it. The web tier stays stateless
(any worker finds the state in the database), and the issue time that SPEEDING is measured from
cannot be forged. Once the response is stored the server copy is deleted and the cookie keeps
only the submission id (so a reload goes to the thank-you page). Invited citizens also get a
draft bound to their code, so they can resume on another device.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g, session
from sqlalchemy.orm import Session

from app.collect._page_cache import answers_hash
from app.database import db_session
from survey.drafts import Step, rateable_units, survey_steps
from survey.models import Invitation, VersionStatus, Wave
from survey.questionnaire import Definition, screened_out_by
from survey.submission_store import WaveUnits, definition_of, units_of
from survey.survey_sessions import delete_state, load_state, load_wave_and_state, save_state

KEY = "survey"


def new_state(wave_id: int, code: str | None = None, invitation_id: int | None = None) -> dict[str, Any]:
    return {"w": wave_id, "id": str(uuid.uuid4()), "t": datetime.now(UTC).isoformat(),
            "c": code, "i": invitation_id, "a": {}, "r": {}, "hp": False, "done": None}


def reference(wave_id: int, data: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """What the session cookie (``data``, else this request's session) holds for ``wave_id``:
    the token, or the finished submission."""
    ref = (session if data is None else data).get(KEY)
    return ref if isinstance(ref, dict) and ref.get("w") == wave_id else None


def _resolve(wave_id: int, ref: dict[str, Any] | None, stored: Any) -> dict[str, Any] | None:
    if ref is None:
        return None
    if ref.get("done") or "k" not in ref:
        return ref
    return stored if isinstance(stored, dict) and stored.get("w") == wave_id else None


def current(wave_id: int) -> dict[str, Any] | None:
    """This browser's state for ``wave_id`` (None: no survey started here)."""
    ref = reference(wave_id)
    token = ref.get("k") if ref and not ref.get("done") else None
    return _resolve(wave_id, ref, load_state(db_session(), token) if token else None)


def wave_and_current(wave_id: int) -> tuple[Wave, str, VersionStatus, dict[str, Any] | None] | None:
    """The wave (with its version's hash and status) and this browser's state, in one query;
    None when there is no such wave."""
    ref = reference(wave_id)
    token = ref.get("k") if ref and not ref.get("done") else None
    loaded = load_wave_and_state(db_session(), wave_id, token)
    if loaded is None:
        return None
    wave, sha, status, stored = loaded
    return wave, sha, status, _resolve(wave_id, ref, stored)


def store(state: dict[str, Any]) -> None:
    """Keep ``state`` on the server and its token in the cookie; committed at once, so that
    what the citizen typed is safe whatever the rest of the request does."""
    db = db_session()
    ref = session.get(KEY)
    token = ref.get("k") if isinstance(ref, dict) and ref.get("w") == state["w"] else None
    if state.get("done"):
        if token:
            delete_state(db, token)
        session[KEY] = {"w": state["w"], "id": state["id"], "t": state["t"], "done": state["done"]}
    else:
        token = token or secrets.token_urlsafe(32)
        save_state(db, token, state["w"], state)
        # the id and the answers' hash let a page shown again come from the page cache
        session[KEY] = {"w": state["w"], "k": token, "id": state["id"], "h": answers_hash(state)}
    db.commit()
    session.modified = True


@dataclass
class Plan:
    """Everything a page needs to know about the survey it belongs to."""

    wave: Wave
    definition: Definition
    units: WaveUnits
    district: str | None
    steps: list[Step]
    answers: dict[str, Any]

    @property
    def pending_units(self) -> int:
        """Unit pages still to come although no unit is known yet (rated units not chosen)."""
        if any(step.unit for step in self.steps) or screened_out_by(self.definition, self.answers) is not None:
            return 0
        return sum(1 for s in self.definition.sections if s.kind == "unit")

    def is_last(self, page: int) -> bool:
        return page == len(self.steps) - 1 and not self.pending_units


def plan(db: Session, wave: Wave, state: dict[str, Any]) -> Plan:
    definition = definition_of(db, wave.questionnaire_version_id,
                               g.get("minyi_version_sha"), g.get("minyi_version_status"))
    units = units_of(db, wave)
    district = None
    if state.get("i"):
        invitation = db.get(Invitation, state["i"])
        district = invitation.district.code if invitation and invitation.district else None
    rated = rateable_units(definition, state["a"], units.ids, units.kinds, district)
    return Plan(wave, definition, units, district, survey_steps(definition, state["a"], rated),
                state["a"])


def submission_body(state: dict[str, Any], client_id: str | None = None) -> dict[str, Any]:
    """The JSON-API-shaped body of the survey (hashed for idempotency)."""
    return {"client_submission_id": client_id or state["id"], "invitation_code": state.get("c"),
            "started_at": state["t"], "answers": state["a"], "ratings": state["r"]}
