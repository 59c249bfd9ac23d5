"""The PostgreSQL binary-COPY reader gives exactly what the portable reader gives."""

from __future__ import annotations

import numpy as np
import pytest

from tests.office.fixtures import golden_wave


def _compare(db, wave_id: int) -> None:
    from survey.evaluation.extract import Window, read_wave, read_wave_portable
    from survey.evaluation.inputs import item_specs, load_definition
    from survey.models import Wave

    wave = db.get(Wave, wave_id)
    specs = item_specs(load_definition(db, wave.questionnaire_version_id))
    names = [s.name for s in specs]
    portable = read_wave_portable(db, Window((wave_id,)), names)
    fast = read_wave(db, Window((wave_id,)), names, max(len(s.points) for s in specs))
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the binary COPY reader is PostgreSQL only")
    assert fast is not portable
    for field in ("ids", "status", "channel", "strata_code", "linkage", "ratings"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(portable, field), err_msg=field)
    np.testing.assert_allclose(fast.design_weight, portable.design_weight, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(fast.duration), np.isnan(portable.duration))
    assert fast.strata_values == portable.strata_values
    assert fast.flags == portable.flags
    assert fast.input_sha256 == portable.input_sha256


def test_readers_agree_on_the_golden_wave(db, raw_sql):
    wave = golden_wave(db)
    raw_sql("UPDATE submission SET flags = '[\"BURST\"]' WHERE interview_id = 'A2'")
    raw_sql("UPDATE rating SET choice_index = NULL, choice = NULL WHERE item = 'q3' "
            "AND submission_id = (SELECT id FROM submission WHERE interview_id = 'B1')")
    _compare(db, wave.id)


def test_readers_agree_on_the_demo_city(db):
    from survey.demo import seed_demo

    report = seed_demo(db, n_responses=2000)
    db.commit()
    _compare(db, report.wave_id)
