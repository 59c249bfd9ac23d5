"""Fixtures of the administration tests: a small city and the demo questionnaire as a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from survey.questionnaire import load_demo_definition

UNITS_CSV = (
    "code,name,name_en,kind,peer_group,peer_group_name\n"
    "D01,东城区,Dongcheng,district,PG_D,县区\n"
    "D02,西城区,Xicheng,district,PG_D,\n"
    "B01,市公安局,Public Security,department,PG_B,执法部门\n"
)


@pytest.fixture
def demo_json(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(load_demo_definition().to_dict(), ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def city(db: Session) -> dict[str, int]:
    """Units D01, D02, B01 and the demo questionnaire published; returns ids."""
    from survey.units import import_units
    from survey.versions import import_questionnaire

    import_units(db, "units.csv", UNITS_CSV.encode(), "test")
    payload = json.dumps(load_demo_definition().to_dict(), ensure_ascii=False).encode()
    version = import_questionnaire(db, "demo.json", payload, "test", publish=True)
    db.commit()
    return {"version": version.id}


@pytest.fixture
def wave_id(db: Session, city: dict[str, int]) -> int:
    """A draft invitation wave on the demo questionnaire."""
    from survey.waves import WaveInput, create_wave

    wave = create_wave(db, WaveInput(name="2026 Q4", period="2026-Q4", version_id=str(city["version"]),
                                     opens="2026-10-01T08:00", closes="2026-12-31T20:00",
                                     access="invitation"), "test")
    db.commit()
    return wave.id
