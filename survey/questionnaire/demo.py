"""The demo city's published satisfaction questionnaire (``demo_city.json``)."""

from __future__ import annotations

from pathlib import Path

from .definition import Definition
from .json_io import definition_from_json

DEMO_PATH = Path(__file__).with_name("demo_city.json")


def load_demo_definition() -> Definition:
    """Parse and return the demo questionnaire (districts and municipal departments)."""
    return definition_from_json(DEMO_PATH.read_bytes())
