"""Answer-scale presets for the builder: satisfaction scales with points, and yes/no.

Each preset is a list of choices in Minyi JSON form (``{"name", "label", "score"?, "missing"?}``)
that can be put straight into a definition's ``choice_lists``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .definition import Choice, Texts

_DK = ("9", {"zh": "说不清/不了解", "en": "Can't say / don't know"})


@dataclass(frozen=True)
class Preset:
    """A named answer scale; ``scored`` presets give every non-missing option a score."""

    key: str
    title: Texts
    choices: tuple[Choice, ...]

    @property
    def scored(self) -> bool:
        return any(c.score is not None for c in self.choices)

    def to_list(self) -> list[dict[str, Any]]:
        """The choices as Minyi JSON (fresh dicts, safe to modify)."""
        return [choice.to_dict() for choice in self.choices]


def _scale(key: str, title: Texts, options: list[tuple[str, str, str, int]]) -> Preset:
    choices = [Choice(name, {"zh": zh, "en": en}, score) for name, zh, en, score in options]
    choices.append(Choice(_DK[0], dict(_DK[1]), None, True))
    return Preset(key, title, tuple(choices))


_FIVE_LABELS = [("5", "非常满意", "Very satisfied"), ("4", "比较满意", "Fairly satisfied"),
                ("3", "一般", "Neutral"), ("2", "不太满意", "Not very satisfied"),
                ("1", "很不满意", "Very dissatisfied")]
_THREE_LABELS = [("3", "满意", "Satisfied"), ("2", "基本满意", "Fairly satisfied"),
                 ("1", "不满意", "Dissatisfied")]


def _with_points(labels: list[tuple[str, str, str]], points: tuple[int, ...]) -> list[tuple[str, str, str, int]]:
    return [(name, zh, en, p) for (name, zh, en), p in zip(labels, points, strict=True)]


PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        _scale("sat5", {"zh": "五级满意度（100/80/60/40/0）", "en": "5-level satisfaction (100/80/60/40/0)"},
               _with_points(_FIVE_LABELS, (100, 80, 60, 40, 0))),
        _scale("sat5_steep", {"zh": "五级满意度（100/80/60/30/0）", "en": "5-level satisfaction (100/80/60/30/0)"},
               _with_points(_FIVE_LABELS, (100, 80, 60, 30, 0))),
        _scale("sat3", {"zh": "三级满意度（100/75/55）", "en": "3-level satisfaction (100/75/55)"},
               _with_points(_THREE_LABELS, (100, 75, 55))),
        _scale("sat3_wide", {"zh": "三级满意度（100/70/30）", "en": "3-level satisfaction (100/70/30)"},
               _with_points(_THREE_LABELS, (100, 70, 30))),
        Preset("yesno", {"zh": "是/否", "en": "Yes / no"},
               (Choice("yes", {"zh": "是", "en": "Yes"}), Choice("no", {"zh": "否", "en": "No"}))),
    )
}


def preset_choices(key: str) -> list[dict[str, Any]]:
    """The choices of preset ``key`` as Minyi JSON; ``KeyError`` for an unknown preset."""
    return PRESETS[key].to_list()
