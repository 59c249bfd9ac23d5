"""The questionnaire domain: Minyi JSON definitions, expressions, XLSForm, answer validation.

Pure Python: no database and no Flask. See ``docs/questionnaire-format.md``.
"""

from .answers import (
    ValidationResult,
    rateable_units,
    relevant_questions,
    screened_out_by,
    validate_answers,
)
from .definition import (
    FORMAT,
    QUESTION_TYPES,
    Choice,
    Definition,
    Group,
    Question,
    ScoredItem,
    Section,
)
from .demo import load_demo_definition
from .errors import DefinitionError, DefinitionIssue, XLSFormError, XLSFormIssue
from .expressions import ExpressionError, parse_expression
from .json_io import definition_from_json, definition_to_json
from .presets import PRESETS, preset_choices
from .validation import parse_definition
from .xlsform_export import export_xlsform
from .xlsform_import import import_xlsform

__all__ = [
    "FORMAT",
    "PRESETS",
    "QUESTION_TYPES",
    "Choice",
    "Definition",
    "DefinitionError",
    "DefinitionIssue",
    "ExpressionError",
    "Group",
    "Question",
    "ScoredItem",
    "Section",
    "ValidationResult",
    "XLSFormError",
    "XLSFormIssue",
    "definition_from_json",
    "definition_to_json",
    "export_xlsform",
    "import_xlsform",
    "load_demo_definition",
    "parse_definition",
    "parse_expression",
    "preset_choices",
    "rateable_units",
    "relevant_questions",
    "screened_out_by",
    "validate_answers",
]
