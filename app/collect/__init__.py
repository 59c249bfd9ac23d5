"""The citizen's survey pages (no login): open link, invitation code, questionnaire, thanks.

Each module of this package adds its routes to :data:`bp`.
"""

from flask import Blueprint

from app.authz import public_blueprint
from app.discovery import import_submodules

bp = Blueprint("collect", __name__, url_prefix="/s")
public_blueprint(bp)

import_submodules(__name__, __path__)
