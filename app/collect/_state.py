"""The survey state: what a citizen answered so far, and where the survey stands.

:class:`SurveyState` is kept in two places. What the citizen typed (accepted answers and ratings,
values typed on a page but not yet accepted, the page reached) lives on the server
(``survey.survey_sessions``) under a random token: a cookie holds 4 KB at most, and a few long
comments would overflow it, so that the browser would drop the cookie and every answer with it.
The rest is small and lives in the signed session cookie: the token, the submission id the
response will carry, the signed issue time (SPEEDING is measured from it; the signature stops a
forged one), the invitation code and its invitation, and the answers' hash that keys the page
cache. So the database never holds a plain invitation code, and the server copy of the answers
names neither the invitation nor the future submission. Once the response is stored the server
copy is deleted and the cookie keeps only the submission id (a reload shows the thank-you page).
Invited citizens also get a draft bound to their invitation, so they can resume on another device.

Both parts are serialised compactly (short keys, empty values left out); :meth:`SurveyState.load`
also reads the one-dictionary layout of earlier versions, so a survey begun before an upgrade
goes on.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import g, session
from sqlalchemy.orm import Session

from app.collect._page_cache import answers_hash
from app.database import db_session
from survey.drafts import Step, rateable_units, survey_steps
from survey.models import Invitation, VersionStatus, Wave
from survey.questionnaire import Definition, Question, screened_out_by
from survey.questionnaire.definition import UNIT_TYPES
from survey.submission_store import WaveUnits, definition_of, units_of
from survey.survey_sessions import delete_state, load_state, load_wave_and_state, save_state

KEY = "survey"


def step_key(step: Step) -> str:
    """A page's name that survives skip logic moving it: its section, and the unit it rates."""
    return f"{step.section}@{step.unit}" if step.unit else step.section


@dataclass
class SurveyState:
    """One citizen's survey of one wave."""

    wave_id: int
    #: The ``client_submission_id`` the response will be stored under (idempotent resubmission).
    client_id: str
    #: When the survey was begun (ISO 8601, UTC), signed: SPEEDING is measured from it.
    started_at: str
    code: str | None = None
    invitation_id: int | None = None
    #: Accepted (validated, cleaned) respondent answers: skip logic and the pages follow them.
    answers: dict[str, Any] = field(default_factory=dict)
    #: Accepted answers per rated unit code.
    ratings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Values typed on a page but not accepted yet (left with 上一页, or refused), by
    #: :func:`step_key`: the page shows them again, nothing typed is lost.
    typed: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The page whose typed values were refused: it is shown with its errors.
    refused: str | None = None
    #: What the final submission refused (shown when the page cannot tell by itself).
    messages: list[tuple[str, str]] = field(default_factory=list)
    honeypot: bool = False
    #: The furthest page reached (where a resumed survey continues).
    page: int = 0
    #: The stored submission's id, once the response is stored.
    done: int | None = None
    #: The server copy's token (None until first stored).
    token: str | None = None

    @classmethod
    def new(cls, wave_id: int, code: str | None = None,
            invitation_id: int | None = None) -> SurveyState:
        return cls(wave_id, str(uuid.uuid4()), datetime.now(UTC).replace(microsecond=0).isoformat(),
                   code, invitation_id)

    # --- serialisation ---------------------------------------------------------------------

    def stored(self) -> dict[str, Any]:
        """The server copy: what the citizen typed, nothing that names them or the response."""
        out: dict[str, Any] = {"a": self.answers, "r": self.ratings}
        if self.typed:
            out["u"] = self.typed
        if self.refused:
            out["x"] = self.refused
        if self.messages:
            out["m"] = [list(m) for m in self.messages]
        if self.honeypot:
            out["hp"] = True
        if self.page:
            out["p"] = self.page
        return out

    def cookie(self) -> dict[str, Any]:
        """The session cookie's part: small values the signature protects."""
        if self.done:
            return {"w": self.wave_id, "done": self.done}
        out: dict[str, Any] = {"w": self.wave_id, "k": self.token, "id": self.client_id,
                               "t": self.started_at}
        if self.code:
            out["c"] = self.code
        if self.invitation_id:
            out["i"] = self.invitation_id
        if not self.refused:  # a page with errors is never served from the page cache
            out["h"] = answers_hash(self)
        return out

    @classmethod
    def load(cls, wave_id: int, ref: Mapping[str, Any], stored: Mapping[str, Any] | None
             ) -> SurveyState | None:
        """The state from the cookie's part ``ref`` and the server copy ``stored`` (None: the
        server copy is gone, so nothing is known)."""
        done = ref.get("done")
        if done:
            return cls(wave_id, str(ref.get("id", "")), str(ref.get("t", "")), done=int(done))
        if stored is None:
            return None
        legacy = {k: stored[k] for k in ("id", "t", "c", "i") if k in stored}  # before v2
        ref = {**legacy, **ref}
        if not isinstance(ref.get("id"), str) or not isinstance(ref.get("t"), str):
            return None
        return cls(
            wave_id, ref["id"], ref["t"], ref.get("c"), ref.get("i"),
            answers=dict(stored.get("a") or {}), ratings=dict(stored.get("r") or {}),
            typed=dict(stored.get("u") or {}), refused=stored.get("x"),
            messages=[(str(p), str(m)) for p, m in stored.get("m") or []],
            honeypot=bool(stored.get("hp")), page=int(stored.get("p") or 0),
            token=ref.get("k"))

    def draft(self) -> dict[str, Any]:
        """What an invitation's draft keeps (resumed on any device): the typed answers only."""
        out = self.stored()
        out.pop("x", None)
        out.pop("m", None)
        return out

    def resume(self, draft: Mapping[str, Any]) -> None:
        """Take the answers of an invitation's draft (also one saved by an earlier version)."""
        self.refused, self.messages = None, []
        self.answers = dict(draft.get("a") or {})
        self.ratings = dict(draft.get("r") or {})
        self.typed = dict(draft.get("u") or {})
        self.honeypot = bool(draft.get("hp"))
        self.page = int(draft.get("p") or 0)

    def submission_body(self, client_id: str | None = None) -> dict[str, Any]:
        """The JSON-API-shaped body of the survey (hashed for idempotency)."""
        return {"client_submission_id": client_id or self.client_id,
                "invitation_code": self.code, "started_at": self.started_at,
                "answers": self.answers, "ratings": self.ratings}


def reference(wave_id: int) -> dict[str, Any] | None:
    """The session cookie's part of this browser's state for ``wave_id`` (the page cache reads
    it without the server copy)."""
    ref = session.get(KEY)
    return ref if isinstance(ref, dict) and ref.get("w") == wave_id else None


def current(wave_id: int) -> SurveyState | None:
    """This browser's state for ``wave_id`` (None: no survey started here)."""
    ref = reference(wave_id)
    if ref is None:
        return None
    token = ref.get("k") if not ref.get("done") else None
    return SurveyState.load(wave_id, ref, load_state(db_session(), token) if token else None)


def wave_and_current(wave_id: int) -> tuple[Wave, str, VersionStatus, SurveyState | None] | None:
    """The wave (with its version's hash and status) and this browser's state, in one query;
    None when there is no such wave."""
    ref = reference(wave_id)
    token = ref.get("k") if ref and not ref.get("done") else None
    client_id = ref.get("id") if ref and token else None
    loaded = load_wave_and_state(db_session(), wave_id, token, client_id)
    if loaded is None:
        return None
    wave, sha, status, stored, stored_as = loaded
    if ref is not None and stored_as is not None:
        # stored by a request whose answer (and cookie) never reached the browser: a second
        # click while the first was on its way, a retry after the network failed
        ref = session[KEY] = {"w": wave_id, "done": stored_as}
    state = SurveyState.load(wave_id, ref, stored) if ref is not None else None
    return wave, sha, status, state


def store(state: SurveyState) -> None:
    """Keep ``state``: the server copy in this request's transaction (committed at the edge with
    the rest of the request), the small part in the session cookie."""
    db = db_session()
    ref = reference(state.wave_id)
    token = ref.get("k") if ref else None
    if state.done:
        if token:
            delete_state(db, token)
    else:
        state.token = state.token or token or secrets.token_urlsafe(32)
        save_state(db, state.token, state.wave_id, state.stored())
    session[KEY] = state.cookie()


@dataclass
class Progress:
    """Where a page stands: page ``number`` of ``total``; ``settled`` is False while answers on
    this page or an earlier one can still add pages (the total is then a minimum)."""

    number: int
    total: int
    settled: bool

    @property
    def done(self) -> int:
        """Pages completed before this one (the progress bar's value)."""
        return self.number - 1


@dataclass
class Plan:
    """Everything a page needs to know about the survey it belongs to."""

    wave: Wave
    definition: Definition
    units: WaveUnits
    district: str | None
    steps: list[Step]
    answers: dict[str, Any]
    #: Answers the invitation decides (the district it was issued for): never asked.
    fixed: dict[str, str] = field(default_factory=dict)

    @property
    def screened_out(self) -> str | None:
        """The question whose answer ends the survey early, if any."""
        return screened_out_by(self.definition, self.answers)

    @property
    def pending_units(self) -> int:
        """Unit pages still to come although no unit is known yet (rated units not chosen)."""
        if any(step.unit for step in self.steps) or self.screened_out is not None:
            return 0
        return sum(1 for s in self.definition.sections if s.kind == "unit")

    def is_last(self, page: int) -> bool:
        return page == len(self.steps) - 1 and not self.pending_units

    def progress(self, page: int) -> Progress:
        """Page ``page`` counted among the pages skip logic leaves."""
        deciding = [i for i, step in enumerate(self.steps) if not step.unit and any(
            q.type in UNIT_TYPES and q.name not in self.fixed
            for q in self.definition.section(step.section).questions)]
        settled = not self.pending_units and page > max(deciding, default=-1)
        return Progress(page + 1, len(self.steps) + self.pending_units, settled)

    def step_of(self, path: str) -> int | None:
        """The page that asks the question an error ``path`` names (``name`` or
        ``ratings.<unit>.<name>``), or None."""
        unit, name = None, path
        if path.startswith("ratings."):
            unit, _sep, name = path.removeprefix("ratings.").partition(".")
        for index, step in enumerate(self.steps):
            if step.unit == unit and name in {q.name for q in self.definition.section(
                    step.section).questions}:
                return index
        return None

    def questions_fixed(self, questions: list[Question]) -> list[tuple[Question, str]]:
        """The questions of a page that the invitation answers, with the unit's code."""
        return [(q, self.fixed[q.name]) for q in questions if q.name in self.fixed]


def plan(db: Session, wave: Wave, state: SurveyState) -> Plan:
    """The pages of ``state``'s survey as its accepted answers leave them."""
    definition = definition_of(db, wave.questionnaire_version_id,
                               g.get("minyi_version_sha"), g.get("minyi_version_status"))
    units = units_of(db, wave)
    district = None
    if state.invitation_id:
        invitation = db.get(Invitation, state.invitation_id)
        if invitation is not None and invitation.district_unit_id is not None:
            district = units.code_of(invitation.district_unit_id)
    fixed: dict[str, str] = {}
    residence = definition.residence_question
    if district and residence is not None:
        # a code issued for a district answers "which district do you live in?"
        fixed[residence.name] = district
        state.answers[residence.name] = district
    rated = rateable_units(definition, state.answers, units.ids, units.kinds, district)
    return Plan(wave, definition, units, district, survey_steps(definition, state.answers, rated),
                state.answers, fixed)
