"""Commands answer in the administrator's language: MINYI_LANG, else the POSIX locale."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import cli_locale

BAD_UNITS = "code,name,kind,peer_group\n,无名,district,PG\nD2,,town,PG\n"


@pytest.mark.parametrize(("environ", "locale"), [
    ({}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.GB18030"}, "zh_CN"),
    ({"LC_ALL": "zh_CN.UTF-8", "MINYI_LANG": "en"}, "en"),
    ({"LANG": "C", "MINYI_LANG": "zh"}, "zh_CN"),
    ({"MINYI_LANG": "fr"}, "en"),
])
def test_the_first_language_variable_set_decides(environ: dict[str, str], locale: str) -> None:
    assert cli_locale(environ) == locale


def test_file_errors_in_chinese_with_minyi_lang_zh(runner, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(BAD_UNITS, "utf-8")
    result = runner.invoke(args=["import-units", str(bad)], env={"MINYI_LANG": "zh", "LANG": "C"})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    # every error at once, each on its own line, with its row and column, in Chinese
    assert "第 2 行，code 列: 代码由 1–32 个字母、数字、“_”、“.”或“-”组成。" in lines
    assert "第 3 行，kind 列: 类型只能是 district（县区）或 department（部门）。" in lines
    assert any(line.startswith("第 3 行，name 列: ") for line in lines)
    missing = runner.invoke(args=["import-units", str(tmp_path / "nowhere.csv")],
                            env={"MINYI_LANG": "zh"})
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"找不到文件：{tmp_path / 'nowhere.csv'}"


def test_file_errors_in_english_with_minyi_lang_en(runner, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(BAD_UNITS, "utf-8")
    result = runner.invoke(args=["import-units", str(bad)],
                           env={"MINYI_LANG": "en", "LANG": "zh_CN.UTF-8"})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert "row 2, column code: A code is 1–32 letters, digits, '_', '.' or '-'." in lines
    assert "row 3, column kind: The kind is district or department." in lines
    missing = runner.invoke(args=["import-units", str(tmp_path / "nowhere.csv")],
                            env={"MINYI_LANG": "en"})
    assert missing.stderr.strip() == f"File not found: {tmp_path / 'nowhere.csv'}"


def test_the_locale_decides_without_minyi_lang(runner, wave_id: int) -> None:
    assert runner.invoke(args=["open-wave", str(wave_id)]).exit_code == 0
    again = runner.invoke(args=["open-wave", str(wave_id)], env={"LANG": "zh_CN.UTF-8"})
    assert again.exit_code == 1
    assert "只有草稿" in again.stderr and "draft" not in again.stderr
    english = runner.invoke(args=["open-wave", str(wave_id)], env={"LANG": "en_US.UTF-8"})
    assert "only a draft wave can be opened" in english.stderr


def test_success_lines_follow_the_language_and_the_id_stays_last(runner, tmp_path: Path) -> None:
    from tests.admin.conftest import UNITS_CSV

    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, "utf-8")
    result = runner.invoke(args=["import-units", str(units)], env={"MINYI_LANG": "zh"})
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["已导入 3 个单位。", "3"]


def test_every_bad_run_setting_is_reported_in_the_language(runner, city, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"scoring": {"methd": "M1", "n_min": -3}, "colour": 1}', "utf-8")
    zh = runner.invoke(args=["evaluate", "--year", "2026", "--config", str(config)],
                       env={"MINYI_LANG": "zh"})
    en = runner.invoke(args=["evaluate", "--year", "2026", "--config", str(config)],
                       env={"MINYI_LANG": "en"})
    assert zh.exit_code == en.exit_code == 1
    zh_lines, en_lines = zh.stderr.strip().splitlines(), en.stderr.strip().splitlines()
    # every bad key on its own line (not just the first), the keys as typed
    assert len(zh_lines) == len(en_lines) >= 3
    assert any(line.startswith("colour: ") for line in zh_lines)
    assert any(line.startswith("scoring.methd: ") for line in en_lines)
    assert any(line.startswith("scoring.n_min: ") for line in en_lines)
    assert "colour: Unknown configuration key." in en_lines
    assert "colour: Unknown configuration key." not in zh_lines


def test_every_bad_setting_of_the_environment_is_reported_at_once() -> None:
    from app.config import ConfigError, load_config

    with pytest.raises(ConfigError) as refused:
        load_config({"MINYI_ENV": "prod", "MINYI_SECRET_KEY": "short",
                     "MINYI_TRUSTED_PROXIES": "many", "MINYI_MAX_UPLOAD_MB": "8MB"})
    problems = refused.value.problems
    assert [p.split(" ", 1)[0] for p in problems] == [
        "MINYI_ENV", "MINYI_SECRET_KEY", "MINYI_TRUSTED_PROXIES", "MINYI_MAX_UPLOAD_MB"]
    assert str(refused.value).splitlines() == problems
