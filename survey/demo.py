"""The demo city: realistic, deterministic, generated in seconds (``flask seed-demo``).

Twelve districts and thirty departments in three peer groups, an administrator, an office
user and a unit liaison (role unit: 市城市管理局 and 北岭县), the published demo questionnaire, a
closed quarterly wave with population margins and synthetic responses whose true satisfaction
differs by unit and whose sample is biased (older people and women over-represented) so that
weighting visibly matters, with comments in Chinese (:mod:`survey.demo_comments`), and an open
wave so that a visitor can answer the survey.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from survey import audit
from survey.accounts import create_user, generate_password
from survey.comments.dictionary import add_terms
from survey.demo_city import (
    AGE_BANDS,
    AGE_EFFECT,
    AGE_POPULATION,
    AGE_SAMPLE,
    DEPARTMENTS,
    DISTRICT_SAMPLE_TILT,
    DISTRICTS,
    PEER_GROUPS,
    SEX_EFFECT,
    SEX_POPULATION,
    SEX_SAMPLE,
    SEXES,
)
from survey.demo_comments import demo_comments
from survey.hashing import body_sha256, canonical_json, sha256_hex, strata_key
from survey.models import (
    AccessMode,
    Channel,
    PeerGroup,
    PopulationMargin,
    Questionnaire,
    QuestionnaireVersion,
    Rating,
    Role,
    Submission,
    TermKind,
    Unit,
    UnitKind,
    Wave,
    WaveState,
)
from survey.questionnaire import load_demo_definition

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = 2026
ACTOR = "seed-demo"
#: The demo liaison's units (role unit): the department and the district citizens like least.
DEMO_LIAISON_UNITS = ("S11", "D12")
#: The administrator's first additions to the comment dictionary (Administration → Comment words).
DEMO_TERMS = (("背街小巷", TermKind.WORD), ("共享单车", TermKind.WORD), ("东湖片区", TermKind.WORD),
              ("说实话", TermKind.STOP), ("老百姓", TermKind.STOP))


@dataclass
class DemoReport:
    created: bool
    units: int = 0
    submissions: int = 0
    wave_id: int | None = None
    open_wave_id: int | None = None
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def seed_demo(session: Session, n_responses: int = 20000, now: datetime | None = None) -> DemoReport:
    """Create the demo city unless units already exist (idempotent); the caller commits."""
    if session.scalar(select(func.count(Unit.id))):
        closed_id = session.scalar(select(Wave.id).where(Wave.state == WaveState.CLOSED).limit(1))
        return DemoReport(created=False, wave_id=closed_id)
    now = now or datetime.now(UTC)
    units = _units(session)
    logins = []
    for username, role in (("admin", Role.ADMIN), ("office", Role.OFFICE)):
        password = generate_password()
        create_user(session, username, role, password, actor=ACTOR)
        logins.append((username, role.value, password))
    # the liaison of the urban management bureau and of Beiling County (their unit portal)
    password = generate_password()
    create_user(session, "liaison", Role.UNIT, password, actor=ACTOR, unit_codes=DEMO_LIAISON_UNITS)
    logins.append(("liaison", Role.UNIT.value, password))
    for kind in TermKind:
        add_terms(session, "\n".join(t for t, k in DEMO_TERMS if k == kind), kind.value, ACTOR)
    version = _questionnaire(session)
    closed = _wave(session, version, units, "2026年第三季度社会评价", "2026-Q3",
                   datetime(2026, 7, 1, tzinfo=SHANGHAI), datetime(2026, 10, 1, tzinfo=SHANGHAI),
                   WaveState.CLOSED)
    local_now = now.astimezone(SHANGHAI)
    quarter = (local_now.month - 1) // 3 + 1
    start = datetime(local_now.year, 3 * quarter - 2, 1, tzinfo=SHANGHAI)
    end = datetime(local_now.year + (quarter == 4), (3 * quarter) % 12 + 1, 1, tzinfo=SHANGHAI)
    open_wave = _wave(session, version, units, f"{local_now.year}年第{quarter}季度社会评价",
                      f"{local_now.year}-Q{quarter}", start, end, WaveState.OPEN)
    n = _responses(session, closed, version, units, n_responses)
    return DemoReport(created=True, units=len(units), submissions=n, wave_id=closed.id,
                      open_wave_id=open_wave.id, logins=logins)


def _units(session: Session) -> list[Unit]:
    groups = {}
    for code, name, name_en in PEER_GROUPS:
        groups[code] = PeerGroup(code=code, name=name, name_en=name_en)
        session.add(groups[code])
    units = [Unit(code=c, name=n, name_en=e, kind=UnitKind.DISTRICT, peer_group=groups["DISTRICT"])
             for c, n, e, _share, _eff in DISTRICTS]
    units += [Unit(code=c, name=n, name_en=e, kind=UnitKind.DEPARTMENT, peer_group=groups[g])
              for c, n, e, g, _f, _eff in DEPARTMENTS]
    session.add_all(units)
    session.flush()
    audit.record(session, ACTOR, "unit.import", "unit", None, new={"count": len(units)})
    return units


def _questionnaire(session: Session) -> QuestionnaireVersion:
    definition = load_demo_definition()
    data = definition.to_dict()
    questionnaire = Questionnaire(form_id=data["form_id"], title=data["title"]["zh"])
    version = QuestionnaireVersion(
        questionnaire=questionnaire, version=1, definition=data,
        definition_sha256=sha256_hex(canonical_json(data)), languages=",".join(data["languages"]),
        created_by=ACTOR,
    )
    session.add(version)
    version.publish()
    session.flush()
    audit.record(session, ACTOR, "questionnaire.publish", "questionnaire_version", version.id,
                 new={"form_id": data["form_id"], "version": 1})
    return version


def _wave(session: Session, version: QuestionnaireVersion, units: list[Unit], name: str,
          period: str, opens: datetime, closes: datetime, state: WaveState) -> Wave:
    wave = Wave(name=name, period=period, questionnaire_version=version, opens_at=opens,
                closes_at=closes, access=AccessMode.OPEN, anonymized=True, state=state,
                settings={"min_duration_s": 60}, created_by=ACTOR, units=list(units))
    session.add(wave)
    session.flush()
    margins = [("age_band", a, s) for a, s in zip(AGE_BANDS, AGE_POPULATION, strict=True)]
    margins += [("sex", x, s) for x, s in zip(SEXES, SEX_POPULATION, strict=True)]
    margins += [("district", c, share) for c, _n, _e, share, _eff in DISTRICTS]
    session.add_all(PopulationMargin(wave_id=wave.id, variable=v, category=c, share=s)
                    for v, c, s in margins)
    session.flush()
    audit.record(session, ACTOR, "wave.create", "wave", wave.id,
                 new={"name": name, "period": period, "state": state.value})
    return wave


def _responses(session: Session, wave: Wave, version: QuestionnaireVersion, units: list[Unit],
               n: int) -> int:
    """Vectorised synthetic responses: one latent satisfaction per (person, unit), 5 items."""
    rng = np.random.default_rng(SEED)
    definition = load_demo_definition()
    items = [item.name for item in definition.scored_items]
    options = list(definition.scored_items[0].option_names)
    missing_index = next(i for i, name in enumerate(options) if name == "9")
    n_districts = len(DISTRICTS)

    age = rng.choice(len(AGE_BANDS), size=n, p=AGE_SAMPLE)
    sex = rng.choice(2, size=n, p=SEX_SAMPLE)
    tilt = np.array([d[3] for d in DISTRICTS]) * np.array(DISTRICT_SAMPLE_TILT)
    district = rng.choice(n_districts, size=n, p=tilt / tilt.sum())
    person_effect = np.asarray(AGE_EFFECT)[age] + np.asarray(SEX_EFFECT)[sex]
    person_effect = person_effect + rng.normal(0, 0.45, n)

    # Departments dealt with: each person picks departments by their contact frequency.
    freq = np.array([d[4] for d in DEPARTMENTS]) / 18.0
    picks = rng.random((n, len(DEPARTMENTS))) < freq
    pair_person, pair_dept = np.nonzero(picks)
    rated_person = np.concatenate([np.arange(n), pair_person])
    rated_unit = np.concatenate([district, n_districts + pair_dept])
    order = np.lexsort((rated_unit, rated_person))
    rated_person, rated_unit = rated_person[order], rated_unit[order]
    unit_effect = np.array([d[4] for d in DISTRICTS] + [d[5] for d in DEPARTMENTS])
    latent = 0.9 + unit_effect[rated_unit] + person_effect[rated_person]
    item_latent = latent[:, None] + rng.normal(0, 0.55, (latent.size, len(items)))
    # Ordered categories: option index 0 = best ("5") ... 4 = worst ("1").
    cuts = np.array([1.6, 0.5, -0.5, -1.4])
    choice_index = (item_latent[:, :, None] < cuts[None, None, :]).sum(axis=2)
    dont_know = rng.random(choice_index.shape) < np.where(rated_unit >= n_districts, 0.07, 0.03)[:, None]
    choice_index = np.where(dont_know, missing_index, choice_index)

    start = wave.opens_at
    span = (wave.closes_at - wave.opens_at).total_seconds() - 3600
    submitted = np.sort(rng.uniform(0, span, n))
    duration = np.round(np.exp(rng.normal(np.log(260), 0.4, n)))
    speeders = rng.random(n) < 0.015
    duration = np.where(speeders, rng.uniform(20, 50, n), duration)

    unit_codes = [u.code for u in units]
    overall = items.index(definition.overall_item.name) if definition.overall_item else 0
    comments = demo_comments(SEED + 16, unit_codes, rated_unit, choice_index[:, overall])
    first_of_person = np.searchsorted(rated_person, np.arange(n))
    last_of_person = np.searchsorted(rated_person, np.arange(n), side="right")
    sub_rows = []
    for i in range(n):
        answers = {"district": unit_codes[district[i]], "age_band": AGE_BANDS[age[i]],
                   "sex": SEXES[sex[i]], "gov_staff": "no",
                   "departments": [unit_codes[u] for u in rated_unit[first_of_person[i]:last_of_person[i]]
                                   if u >= n_districts]}
        ratings = {unit_codes[rated_unit[r]]: _rating(items, options, choice_index[r], comments.get(r))
                   for r in range(first_of_person[i], last_of_person[i])}
        submitted_at = start + timedelta(seconds=float(submitted[i]))
        started_at = submitted_at - timedelta(seconds=float(duration[i]))
        body = {"answers": answers, "ratings": ratings, "invitation_code": None,
                "started_at": started_at.isoformat()}
        sub_rows.append({
            "wave_id": wave.id, "client_submission_id": str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | i)),
            "body_sha256": body_sha256(body), "answers": {"answers": answers, "ratings": ratings},
            "questionnaire_version_id": version.id, "channel": Channel.WEB, "design_weight": 1.0,
            "strata": strata_key({"age_band": answers["age_band"], "sex": answers["sex"],
                                  "district": answers["district"]}),
            "started_at": started_at, "submitted_at": submitted_at,
            "duration_s": float(duration[i]), "flags": ["SPEEDING"] if speeders[i] else [],
        })
    ids = list(session.scalars(
        insert(Submission).returning(Submission.id, sort_by_parameter_order=True), sub_rows
    ))
    unit_ids = np.array([u.id for u in units])
    sub_ids = np.asarray(ids)[rated_person]
    rating_rows = [
        {"wave_id": wave.id, "submission_id": int(sub_ids[r]), "unit_id": int(unit_ids[rated_unit[r]]),
         "item": items[j], "choice": options[choice_index[r, j]], "choice_index": int(choice_index[r, j])}
        for r in range(rated_person.size) for j in range(len(items))
    ]
    session.execute(insert(Rating), rating_rows)
    session.flush()
    return n


def _rating(items: list[str], options: list[str], chosen: np.ndarray, comment: str | None) -> dict[str, str]:
    """One rating's answers: the scored items, and the comment when the respondent wrote one."""
    out = {item: options[chosen[j]] for j, item in enumerate(items)}
    if comment is not None:
        out["comment"] = comment
    return out
