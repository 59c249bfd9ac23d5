"""The assessment office (目督办): evaluation runs, results, publication, exports.

Each module of this package adds its routes to :data:`bp`.
"""

from flask import Blueprint

from app.authz import require_roles
from app.discovery import import_submodules
from survey.models import Role

bp = Blueprint("office", __name__, url_prefix="/office")
require_roles(bp, {Role.OFFICE, Role.ADMIN, Role.VIEWER})

import_submodules(__name__, __path__)
