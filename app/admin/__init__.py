"""Survey administration (admin role): units, questionnaires, waves, codes, monitoring.

Each module of this package adds its routes to :data:`bp`.
"""

from flask import Blueprint

from app.authz import require_roles
from app.discovery import import_submodules
from survey.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(bp, {Role.ADMIN})

import_submodules(__name__, __path__)
