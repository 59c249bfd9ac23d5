"""Survey administration (admin role): units, questionnaires, waves, codes, monitoring."""

from flask import Blueprint

from app.authz import require_roles
from survey.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_roles(bp, {Role.ADMIN})

from app.admin import views  # noqa: E402,F401  (registers the routes)
