"""Filled-in example files for every table upload: units, population margins, interviews and
component scores (CSV and XLSX), built from the same column lists that the importers, the
upload pages, the command help and ``docs/templates.md`` describe.

Each column is documented in Chinese and English at once (the XLSX template carries a second
sheet ``列说明 columns``), so an administrator can read the file in either language; the
header row itself holds the column keys that the importers read (DESIGN §8: header-keyed).
Every template imports back unchanged: the margins and interviews templates are made for one
wave (its questionnaire's stratum variables and questions, its units), the components template
for the registered units.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from survey.models import Wave
    from survey.questionnaire import Definition, Question

KINDS = ("units", "margins", "interviews", "components")
FORMATS = ("csv", "xlsx")
#: The moment stamped in every XLSX template (downloads of equal content are equal bytes).
XLSX_MOMENT = datetime(2026, 1, 1)


@dataclass(frozen=True)
class Column:
    """One column of an upload: its key (the header), what it holds in Chinese and English."""

    name: str
    zh: str
    en: str
    required: bool = True
    numeric: bool = False


UNIT_COLUMNS = (
    Column("code", "单位代码：1–32 个字母、数字、_ . -，唯一；已有代码的单位会被更新",
           "Unit code: 1–32 letters, digits, _ . -; unique. An existing code is updated."),
    Column("name", "单位名称（中文，至多 200 字）", "Unit name (Chinese, at most 200 characters)"),
    Column("name_en", "英文名称（可空）", "English name (may be empty)", required=False),
    Column("kind", "类型：district（县区）或 department（市级部门）",
           "Kind: district or department"),
    Column("peer_group", "评价分组代码（排名在评价分组内进行）",
           "Peer group code (units are ranked within their peer group)"),
    Column("peer_group_name", "评价分组名称：评价分组尚不存在时填写，导入时新建",
           "Peer group name: give it when the peer group does not exist yet; it is created",
           required=False),
)

MARGIN_COLUMNS = (
    Column("district", "县区代码：空为全市的总体边际分布，填写则为该县区的总体边际分布",
           "District unit code: empty for a city-wide margin, a code for that district's margin",
           required=False),
    Column("variable", "分层变量：问卷中标为分层变量的题目名；联合分布写作 age_band*sex",
           "Stratum variable: the name of a question marked as a stratum; a joint cell is "
           "age_band*sex"),
    Column("category", "类别：该题的选项名（居住县区为县区代码）；联合分布写作 30-39*f",
           "Category: a choice name of that question (a district code for the residence); a "
           "joint cell is 30-39*f"),
    Column("share", "占比：0 到 1 之间，同一变量（同一县区）的占比之和为 1",
           "Share between 0 and 1; the shares of a variable (per district) sum to 1",
           numeric=True),
    Column("count", "人数：可代替 share 列；同一范围内各变量的人数合计须相同",
           "Count, instead of share; the counts of every variable of one scope total the same",
           required=False, numeric=True),
)

INTERVIEW_COLUMNS = (
    Column("interview_id", "访问编号：1–50 个字母、数字或 . _ : / -；同一访问的各行相同",
           "Interview id: 1–50 letters, digits or . _ : / -; the same on every row of an interview"),
    Column("unit_code", "本行评价的单位代码；访问未评价任何单位时为空",
           "Code of the unit rated on this row; empty when the interview rates no unit"),
    Column("channel", "渠道：web、phone（电话）、paper（纸质）或 kiosk（自助终端）",
           "Channel: web, phone, paper or kiosk"),
    Column("interview_date", "访问日期，如 2026-11-24", "Day of the interview, e.g. 2026-11-24"),
    Column("duration_s", "访问时长（秒，可空）", "Length of the interview in seconds (may be empty)",
           numeric=True),
    Column("design_weight", "设计权重：正数，空为 1", "Positive design weight (empty means 1)",
           numeric=True),
    Column("linkage_key", "关联键（可空）：如电话号码，只保存其带密钥的哈希，用于识别重复",
           "Linkage key (may be empty), e.g. the phone number: only a keyed hash is stored, to "
           "flag duplicates"),
    Column("interviewer_id", "访问员代码（可空；web 渠道不填）：1–64 个字母、数字或 . _ : -",
           "Interviewer code (may be empty; none on the web channel): 1–64 letters, digits or "
           ". _ : -", required=False),
)
#: What the question columns of an interview file hold (one column per question name).
INTERVIEW_QUESTION_NOTE = Column(
    "<question name>", "每道题一列，列名为题目名：单选填选项名，多选填以空格分隔的选项名，数字填数字",
    "One column per question name: a choice name, several choice names separated by spaces "
    "for a multiple choice, plain numbers")

COMPONENT_COLUMNS = (
    Column("period", "期间，如 2026-Q4 或 2026", "Period, e.g. 2026-Q4 or 2026"),
    Column("unit_code", "单位代码", "Unit code"),
    Column("unit_name", "单位名称（仅供阅读，可空）", "Unit name (for the reader; may be empty)",
           required=False),
    Column("peer_group", "评价分组代码（须与单位的评价分组一致）",
           "Peer group code (must be the unit's peer group)"),
    Column("base_score", "基础分（0 到 base_max）", "Base score (0 to base_max)", numeric=True),
    Column("base_max", "基础分满分", "Base score maximum", numeric=True),
    Column("diff_score", "差异化分（0 到 diff_max）", "Differential score (0 to diff_max)",
           numeric=True),
    Column("diff_max", "差异化分满分；base_max + diff_max + 社会评价满分 = 100",
           "Differential maximum; base_max + diff_max + the social maximum = 100", numeric=True),
    Column("bonus_score", "加分（空为 0）", "Bonus points (empty means 0)", required=False,
           numeric=True),
    Column("bonus_cap", "加分上限（空为 5）", "Bonus cap (empty means 5)", required=False,
           numeric=True),
    Column("deduction", "扣分（空为 0）", "Deduction (empty means 0)", required=False, numeric=True),
    Column("veto", "一票否决：1/0、yes/no 或 是/否（空为否）",
           "Veto: 1/0, yes/no or 是/否 (empty means no)", required=False),
    Column("note", "备注（可空）", "Note (may be empty)", required=False),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "units": UNIT_COLUMNS, "margins": MARGIN_COLUMNS, "interviews": INTERVIEW_COLUMNS,
    "components": COMPONENT_COLUMNS}


def columns_help(kind: str) -> str:
    """The columns of an upload as command help text (English, one column per line)."""
    lines = [f"  {c.name}{'' if c.required else ' (optional)'}: {c.en}" for c in COLUMNS[kind]]
    if kind == "interviews":
        lines.append(f"  {INTERVIEW_QUESTION_NOTE.name}: {INTERVIEW_QUESTION_NOTE.en}")
    wave = " --wave WAVE" if kind in ("margins", "interviews") else ""
    lines.append(f"A filled-in example: flask write-template {kind}{wave} --out FILE.csv (or .xlsx).")
    return "\b\nColumns (first row; any order):\n" + "\n".join(lines)


@dataclass(frozen=True)
class UploadTemplate:
    """A filled-in example of an upload: its columns (in file order) and rows (text cells)."""

    kind: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    documented: tuple[Column, ...]

    def filename(self, fmt: str) -> str:
        return f"minyi-{self.kind}-template.{fmt}"

    def csv_bytes(self) -> bytes:
        """UTF-8 with a BOM (Excel then shows the Chinese text), CRLF line ends."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows([row.get(name, "") for name in self.header] for row in self.rows)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def xlsx_bytes(self) -> bytes:
        """The rows on the first sheet (what an import reads), the columns explained on a second."""
        from openpyxl import Workbook

        from survey.xlsx_bytes import first_sheet, workbook_bytes

        numeric = {c.name for c in self.documented if c.numeric}
        workbook = Workbook()
        data = first_sheet(workbook)
        data.title = self.kind
        data.append(list(self.header))
        for row in self.rows:
            data.append([_cell(row.get(name, ""), name in numeric) for name in self.header])
        notes = workbook.create_sheet("列说明 columns")
        notes.append(["column", "必填 required", "中文说明", "description"])
        for column in self.documented:
            notes.append([column.name, "是 yes" if column.required else "否 no", column.zh, column.en])
        return workbook_bytes(workbook, XLSX_MOMENT)

    def content(self, fmt: str) -> tuple[bytes, str]:
        """``(bytes, mimetype)`` of the template in ``fmt`` (csv or xlsx)."""
        if fmt == "csv":
            return self.csv_bytes(), "text/csv"
        if fmt == "xlsx":
            return self.xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        raise ValueError(fmt)


def _cell(text: str, numeric: bool) -> Any:
    if not numeric or not text:
        return text
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


# --- units ---------------------------------------------------------------------------------------

UNIT_EXAMPLE = (
    ("D01", "东城区", "Dongcheng", "district", "PG_D", "县区"),
    ("D02", "西城区", "Xicheng", "district", "PG_D", "县区"),
    ("B01", "市公安局", "Public Security Bureau", "department", "PG_B", "执法部门"),
    ("B02", "市市场监管局", "Market Regulation Bureau", "department", "PG_B", "执法部门"),
)


def units_template() -> UploadTemplate:
    header = tuple(c.name for c in UNIT_COLUMNS)
    return UploadTemplate("units", header, tuple(dict(zip(header, row, strict=True))
                                                 for row in UNIT_EXAMPLE), UNIT_COLUMNS)


# --- margins -------------------------------------------------------------------------------------


def even_shares(count: int, places: int = 4) -> list[str]:
    """``count`` shares written with ``places`` decimals that sum to exactly 1 (the last one
    takes the rounding), e.g. 3 → 0.3333, 0.3333, 0.3334."""
    unit = 10 ** places
    each = unit // count
    parts = [each] * (count - 1) + [unit - each * (count - 1)]
    return [f"{p / unit:.{places}f}".rstrip("0").rstrip(".") or "0" for p in parts]


def margins_template(session: Session, wave: Wave) -> UploadTemplate:
    """City-wide shares for each stratum variable of the wave's questionnaire (equal shares: an
    example to overwrite with the census figures)."""
    from survey.strata import stratum_categories, wave_definition

    definition = wave_definition(wave)
    categories = stratum_categories(session, definition, wave)
    rows = []
    for question in definition.stratum_variables:
        names = _ordered_categories(definition, question, categories.get(question.name, set()))
        for name, share in zip(names, even_shares(len(names)) if names else [], strict=True):
            rows.append({"district": "", "variable": question.name, "category": name, "share": share})
    header = ("district", "variable", "category", "share")
    return UploadTemplate("margins", header, tuple(rows), MARGIN_COLUMNS)


def _ordered_categories(definition: Definition, question: Question, allowed: set[str]) -> list[str]:
    if question.list_name is not None:
        return [c.name for c in definition.choices(question.list_name) if c.name in allowed]
    return sorted(allowed)


# --- interviews ----------------------------------------------------------------------------------


def interviews_template(session: Session, wave: Wave) -> UploadTemplate:
    """Two interviews (one by phone with an interviewer, one on paper) whose answers pass the
    same checks as a web response to the wave's questionnaire."""
    from survey.questionnaire import parse_definition, validate_answers
    from survey.waves import local_time_text

    definition = parse_definition(wave.questionnaire_version.definition)
    units = {u.code: u.kind.value for u in sorted(wave.units, key=lambda u: u.code)}
    respondent = [q for q in definition.respondent_questions if q.type != "note"]
    unit_questions = [q for q in definition.unit_questions if q.type != "note"]
    header = (*(c.name for c in INTERVIEW_COLUMNS), *(q.name for q in respondent),
              *(q.name for q in unit_questions))
    day = local_time_text(wave.opens_at)[:10]
    rows: list[dict[str, str]] = []
    metas = ({"interview_id": "T-0001", "channel": "phone", "duration_s": "420",
              "design_weight": "1", "interviewer_id": "INT01"},
             {"interview_id": "P-0001", "channel": "paper", "duration_s": "",
              "design_weight": "1.5", "interviewer_id": ""})
    for variant, meta in enumerate(metas):
        def respondent_errors(values: dict[str, Any]) -> list[tuple[str, str]]:
            return validate_answers(definition, values, {}, allowed_units=units,
                                    unit_kinds=units).errors

        answers = _example_block(definition, respondent, {}, units, variant, respondent_errors)
        rated = validate_answers(definition, answers, {}, allowed_units=units,
                                 unit_kinds=units).rateable_units
        ratings = {code: _example_block(definition, unit_questions, answers, units, variant,
                                        _unit_errors(definition, answers, units, code),
                                        prefix=f"ratings.{code}.") for code in rated}
        base = {**meta, "interview_date": day, "linkage_key": "",
                **{name: _text(value) for name, value in answers.items()}}
        for code in rated or [""]:
            rows.append({**base, "unit_code": code,
                         **{name: _text(value) for name, value in ratings.get(code, {}).items()}})
    documented = (*INTERVIEW_COLUMNS, INTERVIEW_QUESTION_NOTE)
    return UploadTemplate("interviews", header, tuple(rows), documented)


def _unit_errors(definition: Definition, answers: dict[str, Any], units: Mapping[str, str],
                 code: str) -> Any:
    """The validator's errors on the answers for unit ``code`` (given the respondent's)."""
    from survey.questionnaire import validate_answers

    def errors(values: dict[str, Any]) -> list[tuple[str, str]]:
        return [e for e in validate_answers(definition, answers, {code: values}, allowed_units=units,
                                            unit_kinds=units).errors
                if e[0].startswith(f"ratings.{code}.")]
    return errors


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _example_block(definition: Definition, questions: Sequence[Question], before: Mapping[str, Any],
                   units: Mapping[str, str], variant: int, errors_of: Any, prefix: str = ""
                   ) -> dict[str, Any]:
    """Answers to ``questions`` in order: for each, the ``variant``-th plausible value (else the
    first) that the validator accepts and that screens nobody out."""
    from survey.questionnaire import screened_out_by

    values: dict[str, Any] = {}
    for question in questions:
        candidates = _candidates(definition, question, units)
        ordered = candidates[variant % len(candidates):] + candidates[:variant % len(candidates)] \
            if candidates else []
        for value in ordered:
            trial = {**values, question.name: value}
            if any(path == prefix + question.name for path, _m in errors_of(trial)):
                continue
            if not prefix and screened_out_by(definition, {**before, **trial}):
                continue
            values = trial
            break
    clean = [path for path, _m in errors_of(values)]
    return {name: value for name, value in values.items() if prefix + name not in clean}


def _candidates(definition: Definition, question: Question, units: Mapping[str, str]) -> list[Any]:
    kind = question.type
    if kind in ("select_one", "select_multiple") and question.list_name:
        choices = definition.choices(question.list_name)
        names = [c.name for c in choices if not c.missing] + [c.name for c in choices if c.missing]
        if kind == "select_one":
            return names
        return [[name] for name in names]
    if kind in ("select_one_unit", "select_multiple_unit"):
        codes = [code for code, k in units.items() if k == question.unit_kind]
        if kind == "select_one_unit":
            return codes
        return [[code] for code in codes]
    if kind in ("integer", "decimal"):
        low = question.min if question.min is not None else 0
        high = question.max if question.max is not None else low + 100
        middle = (low + high) / 2
        picks = [middle, low, high]
        return [int(round(p)) if kind == "integer" else p for p in picks]
    if kind == "text":
        return ["示例回答"[: question.max_length or 4]]
    return []


# --- component scores ----------------------------------------------------------------------------


def components_template(session: Session, period: str = "2026-Q4", limit: int = 4) -> UploadTemplate:
    """Base, differential and bonus scores for the first registered units (example codes when
    none is registered yet); the maxima add up to 100 with the default social maximum."""
    from sqlalchemy import select

    from analysis import ScoringConfig
    from survey.models import Unit

    units = list(session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)
                                 .limit(limit)))
    people = [(u.code, u.name, u.peer_group.code) for u in units] or [
        (code, name, group) for code, name, _en, _kind, group, _g in UNIT_EXAMPLE[:limit]]
    base_max = 100 - ScoringConfig().social_max - 20
    rows = []
    for i, (code, name, group) in enumerate(people):
        rows.append({"period": period, "unit_code": code, "unit_name": name, "peer_group": group,
                     "base_score": f"{base_max - 4.5 - i:g}", "base_max": f"{base_max:g}",
                     "diff_score": f"{18 - i:g}", "diff_max": "20", "bonus_score": "1" if i == 0 else "0",
                     "bonus_cap": "5", "deduction": "0.5" if i == 1 else "0", "veto": "否",
                     "note": "示例" if i == 0 else ""})
    header = tuple(c.name for c in COMPONENT_COLUMNS)
    return UploadTemplate("components", header, tuple(rows), COMPONENT_COLUMNS)
