"""A small city with comments, for the comment tests: two districts, strata by age band.

District D1 (东湖区) has 36 respondents in 2026-Q4: 4 aged 18-29 (one of them wrote the
:data:`SMALL_CELL_COMMENT`), 12 aged 30-49 and 20 aged 50+. Its 50+ respondents wrote the
comments of :data:`IDENTIFIER_COMMENTS` (each with a personal number to mask) and
:data:`ORDINARY_COMMENT` (numbers that must stay). District D2 (西湖区) has 25 respondents. A
respondent-level question asks for suggestions about the survey as a whole (a wave comment).
With ``previous=True`` the city also has a 2026-Q3 wave, with its own published run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from survey.hashing import body_sha256, canonical_json, sha256_hex
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
from tests.office.fixtures import GOLDEN_SETTINGS, SAT

AGE = [{"name": a, "label": {"zh": f"{a}岁", "en": a}} for a in ("18-29", "30-49", "50+")]
DEFINITION = {
    "format": "minyi-questionnaire/1",
    "form_id": "comment_city",
    "title": {"zh": "意见测试", "en": "Comment test"},
    "languages": ["zh", "en"],
    "default_language": "zh",
    "choice_lists": {"sat": SAT, "age": AGE},
    "sections": [
        {"name": "about", "kind": "respondent", "title": {"zh": "基本情况", "en": "About you"},
         "items": [
             {"name": "district", "type": "select_one_unit", "unit_kind": "district", "stratum": True,
              "label": {"zh": "居住地", "en": "District"}},
             {"name": "age_band", "type": "select_one", "list": "age", "stratum": True,
              "label": {"zh": "年龄", "en": "Age band"}},
             {"name": "suggestion", "type": "text", "max_length": 500,
              "label": {"zh": "对本次调查的建议", "en": "Suggestions about this survey"}},
         ]},
        {"name": "rating", "kind": "unit", "title": {"zh": "评价", "en": "Rating"},
         "items": [
             {"name": "q1", "type": "select_one", "list": "sat", "scored": True, "weight": 0.5,
              "overall": True, "dimension": "overall", "label": {"zh": "总体满意度", "en": "Overall"}},
             {"name": "q2", "type": "select_one", "list": "sat", "scored": True, "weight": 0.5,
              "dimension": "service", "label": {"zh": "服务态度", "en": "Attitude"}},
             {"name": "comment", "type": "text", "max_length": 500,
              "label": {"zh": "意见或建议", "en": "Comments or suggestions"}},
         ]},
    ],
}

SMALL_CELL_COMMENT = "东湖小学门口的红绿灯坏了整整四个月"
#: (comment, the raw identifier that must never be shown, its mask kind)
IDENTIFIER_COMMENTS = [
    ("窗口办事太慢，请回电13812345678", "13812345678", "phone"),
    ("投诉没人理，我的手机+86 138-1234-5678", "138-1234-5678", "phone"),
    ("办事大厅座机028-12345678一直占线", "028-12345678", "phone"),
    ("身份证号51010719900307123X办了三次", "51010719900307123X", "id_card"),
    ("结果请发到zhang.wei@example.com", "zhang.wei@example.com", "email"),
    ("我的车川A12345被乱贴罚单", "川A12345", "plate"),
    ("补贴打到6222021234567890128一直没到账", "6222021234567890128", "bank_card"),
]
ORDINARY_COMMENT = "2026年12月4日去办事，交了12000元，住在幸福路3栋2单元501，打12345热线有人接"
FORMULA_COMMENT = "=HYPERLINK(\"http://evil.example\",\"点这里\") 路灯不亮"
WAVE_COMMENT = "问卷题目太多了"


@dataclass
class CommentCity:
    units: dict[str, int]
    waves: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)


def _respondents(period: str) -> list[tuple[str, str, str, str | None]]:
    """(district, age band, overall answer, comment) of every respondent of a period."""
    out: list[tuple[str, str, str, str | None]] = []
    out += [("D1", "18-29", "2", SMALL_CELL_COMMENT if i == 0 else None) for i in range(4)]
    out += [("D1", "30-49", "4" if i % 3 else "2", "排队时间太长了" if i < 6 else None) for i in range(12)]
    fifty = [c for c, _raw, _kind in IDENTIFIER_COMMENTS] + [ORDINARY_COMMENT, FORMULA_COMMENT]
    if period == "2026-Q3":
        fifty = ["工作人员态度很好"] * 6
    out += [("D1", "50+", "5" if i % 2 else "1", fifty[i] if i < len(fifty) else "服务很周到")
            for i in range(20)]
    out += [("D2", age, "4", "道路积水严重" if i % 2 else None)
            for age, n in (("18-29", 6), ("30-49", 10), ("50+", 9)) for i in range(n)]
    return out


def _wave(session: Session, version: QuestionnaireVersion, units: list[Unit], period: str,
          opens: datetime) -> Wave:
    from survey.submission_store import definition_of, store_submission, units_of

    wave = Wave(name=f"意见测试 {period}", period=period, questionnaire_version=version,
                opens_at=opens, closes_at=opens + timedelta(days=90), access=AccessMode.OPEN,
                state=WaveState.OPEN, created_by="test", units=units)
    session.add(wave)
    session.flush()
    definition = definition_of(session, version.id)
    wave_units = units_of(session, wave.id)
    for i, (district, age, overall, comment) in enumerate(_respondents(period)):
        answers = {"district": district, "age_band": age}
        if i == 0:
            answers["suggestion"] = WAVE_COMMENT
        rating = {"q1": overall, "q2": "4"}
        if comment is not None:
            rating["comment"] = comment
        started = opens + timedelta(hours=i)
        body = {"answers": answers, "ratings": {district: rating}, "started_at": started.isoformat()}
        store_submission(
            session, wave, definition, wave_units, client_id=f"{period}-{i}", body_hash=body_sha256(body),
            cleaned={"answers": answers, "ratings": {district: rating}}, channel=Channel.WEB,
            started_at=started, submitted_at=started + timedelta(minutes=5), duration_s=300.0)
    wave.close()
    session.flush()
    return wave


def build_comment_city(session: Session, *, previous: bool = False, publish: bool = True) -> CommentCity:
    """The city, its wave(s) and (with ``publish``) their published runs; committed."""
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from tests.office.fixtures import publish_decided

    group = PeerGroup(code="G", name="县区")
    units = [Unit(code="D1", name="东湖区", name_en="East Lake District", kind=UnitKind.DISTRICT, peer_group=group),
             Unit(code="D2", name="西湖区", name_en="West Lake District", kind=UnitKind.DISTRICT, peer_group=group)]
    session.add_all(units)
    parse_definition(DEFINITION)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(form_id="comment_city", title="意见测试"), version=1,
        definition=DEFINITION, definition_sha256=sha256_hex(canonical_json(DEFINITION)), created_by="test")
    session.add(version)
    version.publish()
    session.flush()
    city = CommentCity({u.code: u.id for u in units})
    periods = [("2026-Q3", datetime(2026, 7, 1, tzinfo=UTC))] if previous else []
    periods.append(("2026-Q4", datetime(2026, 10, 1, tzinfo=UTC)))
    for period, opens in periods:
        wave = _wave(session, version, units, period, opens)
        session.commit()  # the PostgreSQL reader of an evaluation reads on its own connections
        city.waves[period] = wave.id
        if publish:
            run = evaluate_wave_run(session, wave.id, RunSettings.from_dict(GOLDEN_SETTINGS), "office1")
            publish_decided(session, run.id)
            city.runs[period] = run.id
    session.commit()
    return city


def create_unit_user(session: Session, username: str, codes: list[str],
                     password: str = "correct horse battery") -> None:
    from survey.accounts import create_user

    create_user(session, username, "unit", password, actor="test", unit_codes=codes)
    session.commit()
