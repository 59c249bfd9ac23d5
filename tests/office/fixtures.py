"""Office test data: the DESIGN §7 golden example as a product city, and the demo city.

The golden example's 15 interviews are written as an interview import file (DESIGN §11 layout:
``interview_id, unit_code, channel, interview_date, duration_s, design_weight, linkage_key``,
then one column per question) and imported with ``survey.interviews`` when the collection
engineer's importer is present; otherwise they are stored through the same storage contract
(``survey.submissions.store_submission``: Submission + one Rating per scored item).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from survey.hashing import body_sha256, canonical_json, keyed_hash, sha256_hex
from survey.models import (
    AccessMode,
    Channel,
    PeerGroup,
    Questionnaire,
    QuestionnaireVersion,
    Unit,
    UnitKind,
    Wave,
    WaveState,
)
from survey.questionnaire import parse_definition
from tests.golden import GOLDEN_TABLE

HERE = Path(__file__).resolve().parent
GOLDEN_PERIOD = "2026-Q4"
SAT = [
    {"name": "5", "label": {"zh": "非常满意", "en": "Very satisfied"}, "score": 100},
    {"name": "4", "label": {"zh": "比较满意", "en": "Fairly satisfied"}, "score": 80},
    {"name": "3", "label": {"zh": "一般", "en": "Neutral"}, "score": 60},
    {"name": "2", "label": {"zh": "不太满意", "en": "Not very satisfied"}, "score": 40},
    {"name": "1", "label": {"zh": "很不满意", "en": "Very dissatisfied"}, "score": 0},
    {"name": "9", "label": {"zh": "不了解", "en": "Don't know"}, "missing": True},
]


def _item(name: str, weight: float, overall: bool = False) -> dict:
    out = {"name": name, "type": "select_one", "list": "sat", "label": {"zh": name, "en": name},
           "scored": True, "weight": weight, "dimension": name}
    if overall:
        out["overall"] = True
    return out


GOLDEN_DEFINITION = {
    "format": "minyi-questionnaire/1",
    "form_id": "golden_example",
    "title": {"zh": "黄金样例", "en": "Golden example"},
    "languages": ["zh", "en"],
    "default_language": "zh",
    "choice_lists": {"sat": SAT},
    "sections": [
        {"name": "about", "kind": "respondent", "title": {"zh": "基本情况", "en": "About you"},
         "items": [{"name": "district", "type": "select_one_unit", "unit_kind": "district",
                    "label": {"zh": "居住地", "en": "District"}, "stratum": True}]},
        {"name": "rating", "kind": "unit", "title": {"zh": "评价", "en": "Rating"},
         "items": [_item("q1", 0.5, overall=True), _item("q2", 0.25), _item("q3", 0.25)]},
    ],
}

GOLDEN_COMPONENTS = (
    "period,unit_code,unit_name,peer_group,base_score,base_max,diff_score,diff_max,bonus_score,"
    "bonus_cap,deduction,veto,note\n"
    f"{GOLDEN_PERIOD},A,甲单位,G,28.5,30,44.0,50,2.0,5,0,0,\n"
    f"{GOLDEN_PERIOD},B,乙单位,G,29.0,30,46.5,50,1.0,5,0,0,\n"
    f"{GOLDEN_PERIOD},C,丙单位,G,27.0,30,42.0,50,3.5,5,0,0,\n"
)
#: The example's thresholds: LOW_N below 5, WIDE_CI above a half-width of 10; raking off.
#: The golden example's settings: its numbers stand with the direct SI, Wald intervals and plain ranks.
GOLDEN_SETTINGS = {"scoring": {"raking": False, "n_min": 5, "wide_ci_half_width": 10.0,
                               "points_basis": "direct", "ci_method": "wald", "rank_points": "plain"}}


def golden_draft(db):
    """A draft run of the golden wave with its component scores (totals included)."""
    from survey.evaluation.components import import_components
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    wave = golden_wave(db)
    import_components(db, "components.csv", GOLDEN_COMPONENTS.encode("utf-8"), "office1")
    run = evaluate_wave_run(db, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
    db.commit()
    return run


def decide_all(db, run, decision: str = "confirm", actor: str = "office1") -> int:
    """Decide every provisional placement of a draft run (as the office would before publishing)."""
    from survey.evaluation.decisions import decide_placement, pending_placements

    pending = pending_placements(run)
    for p in pending:
        decide_placement(db, run.id, p.unit_code, p.scope, decision, f"test: {decision} {p.unit_code}", actor)
    return len(pending)


def publish_decided(db, run_id: int, actor: str = "office1", decision: str = "confirm"):
    """Confirm (or clear) every provisional placement, then publish the run."""
    from survey.evaluation.runs import get_run, publish_run

    decide_all(db, get_run(db, run_id), decision, actor)
    return publish_run(db, run_id, actor)


def golden_interviews_csv() -> bytes:
    """The 15 interviews as an interview import file (one row per interview and rated unit)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["interview_id", "unit_code", "channel", "interview_date", "duration_s",
                     "design_weight", "linkage_key", "district", "q1", "q2", "q3"])
    for i, (iid, unit, person, q1, q2, q3, w) in enumerate(GOLDEN_TABLE):
        writer.writerow([iid, unit, "phone", f"2026-10-{1 + i:02d}", 300, w, person, unit, q1, q2, q3])
    return buffer.getvalue().encode("utf-8")


def golden_city(session: Session, unit_names: tuple[str, str, str] = ("甲单位", "乙单位", "丙单位")) -> Wave:
    """Peer group G, units A/B/C, the golden questionnaire (published) and a closed wave."""
    group = PeerGroup(code="G", name="县区")
    units = [Unit(code=c, name=n, kind=UnitKind.DISTRICT, peer_group=group)
             for c, n in zip("ABC", unit_names, strict=True)]
    session.add_all([group, *units])
    parse_definition(GOLDEN_DEFINITION)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(form_id="golden_example", title="黄金样例"), version=1,
        definition=GOLDEN_DEFINITION, definition_sha256=sha256_hex(canonical_json(GOLDEN_DEFINITION)),
        created_by="test")
    session.add(version)
    version.publish()
    wave = Wave(name="黄金样例", period=GOLDEN_PERIOD, questionnaire_version=version,
                opens_at=datetime(2026, 10, 1, tzinfo=UTC), closes_at=datetime(2027, 1, 1, tzinfo=UTC),
                access=AccessMode.OPEN, state=WaveState.OPEN, created_by="test", units=units)
    session.add(wave)
    session.flush()
    return wave


def import_interviews(session: Session, wave: Wave, filename: str, data: bytes) -> int:
    """Import an interview file with the product's importer, else via the storage contract."""
    try:
        from survey import interviews  # the collection engineer's importer (issue 4)
    except ImportError:
        interviews = None
    if interviews is not None and hasattr(interviews, "import_interviews"):
        report = interviews.import_interviews(session, wave.id, filename, data, secret="test",
                                              actor="test")
        return report.imported
    return _store_rows(session, wave, data)


def _store_rows(session: Session, wave: Wave, data: bytes) -> int:
    from survey.submissions import definition_of, store_submission, units_of

    definition = definition_of(session, wave.questionnaire_version_id)
    units = units_of(session, wave.id)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    for i, row in enumerate(rows):
        answers = {"district": row["district"]}
        ratings = {row["unit_code"]: {q: row[q] for q in ("q1", "q2", "q3")}}
        started = datetime.fromisoformat(row["interview_date"]).replace(tzinfo=UTC)
        body = {"answers": answers, "ratings": ratings, "started_at": started.isoformat()}
        store_submission(
            session, wave, definition, units, client_id=f"interview-{row['interview_id']}",
            body_hash=body_sha256(body), cleaned={"answers": answers, "ratings": ratings},
            channel=Channel(row["channel"]), started_at=started,
            submitted_at=started + timedelta(seconds=float(row["duration_s"]) + i),
            duration_s=float(row["duration_s"]), design_weight=float(row["design_weight"]),
            linkage_key=keyed_hash("test", "linkage", row["linkage_key"]),
            interview_id=row["interview_id"])
    session.flush()
    return len(rows)


def golden_wave(session: Session, **kwargs: object) -> Wave:
    """The golden city with its 15 interviews imported."""
    wave = golden_city(session, **kwargs)  # type: ignore[arg-type]
    import_interviews(session, wave, "golden.csv", golden_interviews_csv())
    wave.close()
    session.commit()
    return wave


def another_wave(session: Session, first: Wave, period: str) -> Wave:
    """A second closed wave of the golden city (same questionnaire, units and interviews)."""
    year, quarter = int(period[:4]), int(period[-1])
    opens = datetime(year, 3 * quarter - 2, 1, tzinfo=UTC)
    wave = Wave(name=f"黄金样例 {period}", period=period, questionnaire_version=first.questionnaire_version,
                opens_at=opens, closes_at=opens + timedelta(days=90), access=AccessMode.OPEN,
                state=WaveState.OPEN, created_by="test", units=list(first.units))
    session.add(wave)
    session.flush()
    data = golden_interviews_csv().decode("utf-8").replace("2026-10-", f"{year}-{3 * quarter - 2:02d}-")
    import_interviews(session, wave, "golden.csv", data.encode("utf-8"))
    wave.close()
    session.commit()
    return wave
