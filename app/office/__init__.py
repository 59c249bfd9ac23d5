"""The assessment office (目督办): evaluation runs, results, publication, exports."""

from flask import Blueprint

from app.authz import require_roles
from survey.models import Role

bp = Blueprint("office", __name__, url_prefix="/office")
require_roles(bp, {Role.OFFICE, Role.ADMIN, Role.VIEWER})

from app.office import views  # noqa: E402,F401  (registers the routes)
