"""The JSON API (``/api/v1``): submissions (no login) and published results (bearer token).

No cookie authentication here, so no CSRF; every endpoint authenticates by itself. Each module
of this package adds its routes to :data:`bp`.
"""

from flask import Blueprint

from app.authz import public_blueprint
from app.discovery import import_submodules
from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
public_blueprint(bp)
csrf.exempt(bp)

import_submodules(__name__, __path__)
