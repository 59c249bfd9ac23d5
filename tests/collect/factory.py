"""A small city for the collection tests: 3 districts, 3 departments, the demo questionnaire."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.hashing import canonical_json, sha256_hex
from survey.models import (
    AccessMode,
    DeviceBucket,
    Invitation,
    PeerGroup,
    Questionnaire,
    QuestionnaireVersion,
    Quota,
    Rating,
    Submission,
    Unit,
    UnitKind,
    Wave,
    WaveState,
)
from survey.questionnaire import load_demo_definition
from survey.submissions import invitation_code_hash
from tests.conftest import TEST_SECRET

DISTRICTS = [("D01", "东城区", "East District"), ("D02", "西城区", "West District"),
             ("D03", "南湖区", "South Lake District")]
DEPARTMENTS = [("H01", "市公安局", "Public Security Bureau"), ("H02", "市教育局", "Education Bureau"),
               ("H03", "市卫健委", "Health Commission")]


@dataclass
class City:
    version_id: int
    unit_ids: dict[str, int]
    waves: dict[str, int] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)


def build_city(session: Session, *, min_duration_s: int = 0, quarantine_flags: list[str] | None = None) -> City:
    groups = {k: PeerGroup(code=k, name=k) for k in ("DISTRICT", "DEPT")}
    units = [Unit(code=c, name=n, name_en=e, kind=UnitKind.DISTRICT, peer_group=groups["DISTRICT"])
             for c, n, e in DISTRICTS]
    units += [Unit(code=c, name=n, name_en=e, kind=UnitKind.DEPARTMENT, peer_group=groups["DEPT"])
              for c, n, e in DEPARTMENTS]
    data = load_demo_definition().to_dict()
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(form_id=data["form_id"], title=data["title"]["zh"]),
        version=1, definition=data, definition_sha256=sha256_hex(canonical_json(data)),
        created_by="test")
    version.publish()
    session.add_all([version, *units])
    session.flush()
    city = City(version.id, {u.code: u.id for u in units})
    now = datetime.now(UTC)
    settings: dict[str, Any] = {"min_duration_s": min_duration_s}
    if quarantine_flags is not None:
        settings["quarantine_flags"] = quarantine_flags
    specs = {
        "invite": (AccessMode.INVITATION, WaveState.OPEN, now - timedelta(days=1), now + timedelta(days=30)),
        "open": (AccessMode.OPEN, WaveState.OPEN, now - timedelta(days=1), now + timedelta(days=30)),
        "closed": (AccessMode.INVITATION, WaveState.CLOSED, now - timedelta(days=60), now - timedelta(days=1)),
        "future": (AccessMode.OPEN, WaveState.OPEN, now + timedelta(days=5), now + timedelta(days=30)),
    }
    for key, (access, state, opens, closes) in specs.items():
        wave = Wave(name=f"Wave {key}", period="2026-Q4", questionnaire_version_id=version.id,
                    opens_at=opens, closes_at=closes, access=access, anonymized=True, state=state,
                    settings=dict(settings), created_by="test", units=units)
        session.add(wave)
        session.flush()
        city.waves[key] = wave.id
        if access == AccessMode.INVITATION:
            city.codes[key] = [issue_code(session, wave.id) for _ in range(25)]
    session.add_all([Quota(wave_id=city.waves["open"], cell="district=D01", target=10),
                     Quota(wave_id=city.waves["open"], cell="district=D02", target=4)])
    session.commit()
    return city


def issue_code(session: Session, wave_id: int, district_id: int | None = None) -> str:
    code = secrets.token_hex(8).upper()
    session.add(Invitation(wave_id=wave_id, code_hash=invitation_code_hash(TEST_SECRET, code),
                           district_unit_id=district_id))
    return code


def body(code: str | None = None, csid: str | None = None, **over: Any) -> dict[str, Any]:
    """A valid submission: district D01 plus department H02, both rated."""
    out: dict[str, Any] = {
        "client_submission_id": csid or str(uuid.uuid4()),
        "invitation_code": code,
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "answers": {"district": "D01", "age_band": "30-39", "sex": "f", "gov_staff": "no",
                    "departments": ["H02"]},
        "ratings": {"D01": rating(), "H02": rating(overall="3")},
    }
    out.update(over)
    return out


def rating(overall: str = "4", comment: str | None = None) -> dict[str, Any]:
    out = {"sat_overall": overall, "sat_attitude": "5", "sat_efficiency": "4",
           "sat_integrity": "3", "sat_openness": "9"}
    if comment is not None:
        out["comment"] = comment
    return out


def counts(session: Session) -> tuple[int, int, int]:
    """(submissions, ratings, participations: invitations used + devices recorded)."""
    session.expire_all()
    devices = sum(len(h or []) for h in session.scalars(select(DeviceBucket.hashes)))
    return (session.scalar(select(func.count(Submission.id))),
            session.scalar(select(func.count(Rating.id))),
            session.scalar(select(func.count(Invitation.id)).where(Invitation.used_at.is_not(None)))
            + devices)
