"""Quotas and margins edited as tables on the wave page: totals, the check that shares sum to 1,
and every message next to the cell it concerns; the typed syntax and the file upload remain."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from survey.models import PopulationMargin, Quota, Unit
from tests.conftest import csrf_from


def _quotas(db) -> dict[str, int]:
    db.expire_all()
    return {q.cell: q.target for q in db.scalars(select(Quota))}


def _margins(db) -> set[tuple[int | None, str, str, float | None]]:
    db.expire_all()
    return {(m.district_unit_id, m.variable, m.category, m.share)
            for m in db.scalars(select(PopulationMargin))}


def test_quota_table_of_two_variables_with_totals(client, auth, db, wave_id: int) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    # the first stratum variable by default, one target column
    assert 'name="q:district=D01"' in page and 'name="q:district=D02"' in page
    page = client.get(f"/admin/waves/{wave_id}?quota_by=district&quota_by=sex").get_data(as_text=True)
    assert re.search(r'name="q:district=D01\*sex=m" value=""', page)
    assert 'inputmode="numeric"' in page
    cells = {"q:district=D01*sex=m": "60", "q:district=D01*sex=f": "70",
             "q:district=D02*sex=m": "", "q:district=D02*sex=f": "40"}
    response = client.post(f"/admin/waves/{wave_id}/quotas/table", data={
        "csrf_token": csrf_from(page), "quota_by": ["district", "sex"], **cells})
    assert response.status_code == 303
    assert "quota_by=district" in response.headers["Location"]
    assert _quotas(db) == {"district=D01*sex=m": 60, "district=D01*sex=f": 70, "district=D02*sex=f": 40}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    totals = re.findall(r'data-total="(row|column|grand)">(?:<strong>)?([0-9]+)', page)
    assert totals == [("row", "130"), ("row", "40"), ("column", "60"), ("column", "110"),
                      ("grand", "170")]
    # the typed syntax shows the same cells
    assert "district=D01*sex=f 70" in page


def test_a_bad_quota_cell_keeps_what_was_typed_and_says_why_next_to_it(client, auth, db, wave_id) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    response = client.post(f"/admin/waves/{wave_id}/quotas/table", data={
        "csrf_token": csrf_from(page), "quota_by": ["district"], "q:district=D01": "12a",
        "q:district=D02": "30"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    cell = re.search(r'<input[^>]*name="q:district=D01"[^>]*>\s*<span class="field-error" id="([^"]+)">([^<]+)<',
                     page)
    assert cell and cell.group(2) == "请输入整数的答卷数，例如 120。"
    assert f'aria-describedby="{cell.group(1)}"' in page and 'value="12a"' in page
    assert 'name="q:district=D02" value="30"' in page
    assert _quotas(db) == {}


def test_margins_as_tables_checked_to_sum_to_one(client, auth, db, wave_id: int) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    for variable, category in (("sex", "m"), ("age_band", "70+"), ("district", "D01")):
        assert f'name="share:{variable}:{category}"' in page
    shares = {"share:sex:m": "0.49", "share:sex:f": "51%", "share:age_band:18-29": "0.2",
              "share:age_band:30-39": "0.2", "share:age_band:40-49": "0.2",
              "share:age_band:50-59": "0.2", "share:age_band:60-69": "0.1",
              "share:age_band:70+": "", "share:district:D01": "", "share:district:D02": ""}
    response = client.post(f"/admin/waves/{wave_id}/margins/table",
                           data={"csrf_token": csrf_from(page), **shares})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    total = page[page.index('id="m-age_band" data-total="shares"'):]
    total = total[:total.index("</td>")]
    assert "0.9" in total and "age_band 的比例之和为 0.9，而不是 1。" in total
    assert 'value="51%"' in page  # typed values stay
    assert _margins(db) == set()
    shares["share:age_band:70+"] = "0.1"
    response = client.post(f"/admin/waves/{wave_id}/margins/table",
                           data={"csrf_token": csrf_from(page), **shares})
    assert response.status_code == 303
    assert _margins(db) == {(None, "sex", "m", 0.49), (None, "sex", "f", 0.51),
                            *((None, "age_band", c, 0.2) for c in ("18-29", "30-39", "40-49", "50-59")),
                            (None, "age_band", "60-69", 0.1), (None, "age_band", "70+", 0.1)}
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    assert page.count("✓") == 2  # sex and age_band sum to 1
    assert 'name="share:sex:f" value="0.51"' in page


def test_a_share_out_of_range_is_marked_at_its_cell(client, auth, db, wave_id: int) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    response = client.post(f"/admin/waves/{wave_id}/margins/table", data={
        "csrf_token": csrf_from(page), "share:sex:m": "1.5", "share:sex:f": "abc"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('<span class="field-error" id="m-sex-') == 2
    assert 'aria-invalid="true" aria-describedby="m-sex-m-error"' in page


def test_the_table_keeps_per_district_margins_from_a_file(client, auth, db, wave_id: int) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    upload = "district,variable,category,share\nD01,sex,m,0.48\nD01,sex,f,0.52\n"
    response = client.post(f"/admin/waves/{wave_id}/margins", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(upload.encode()), "m.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    d01 = db.scalar(select(Unit.id).where(Unit.code == "D01"))
    response = client.post(f"/admin/waves/{wave_id}/margins/table", data={
        "csrf_token": csrf_from(page), "share:sex:m": "0.5", "share:sex:f": "0.5"})
    assert response.status_code == 303
    assert _margins(db) == {(d01, "sex", "m", 0.48), (d01, "sex", "f", 0.52),
                            (None, "sex", "m", 0.5), (None, "sex", "f", 0.5)}


def test_an_unknown_quota_variable_is_explained(client, auth, wave_id: int) -> None:
    auth.login_as("admin")
    page = client.get(f"/admin/waves/{wave_id}?quota_by=comment").get_data(as_text=True)
    assert "请选择问卷中的一个或两个分层变量。" in page
    assert 'name="q:district=D01"' in page  # the default table is still offered
