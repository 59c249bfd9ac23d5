"""The questionnaire domain: Minyi JSON definitions, expressions, XLSForm, answer validation.

Pure Python: no database and no Flask. See ``docs/questionnaire-format.md``.
"""

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
from .validation import parse_definition

__all__ = [
    "FORMAT", "QUESTION_TYPES", "Choice", "Definition", "DefinitionError", "DefinitionIssue",
    "ExpressionError", "Group", "Question", "ScoredItem", "Section", "XLSFormError", "XLSFormIssue",
    "definition_from_json", "definition_to_json", "load_demo_definition", "parse_definition",
    "parse_expression",
]
