"""The portal of an evaluated unit (role ``unit``, DESIGN §13): its published results and what
its citizens said, under the k rule. The office and the administrator may open any unit's portal
(and see it as the unit does); a unit user only its own units'.

Each module of this package adds its routes to :data:`bp`.
"""

from flask import Blueprint

from app.authz import require_roles
from app.discovery import import_submodules
from survey.models import Role

bp = Blueprint("unit", __name__, url_prefix="/unit")
require_roles(bp, {Role.UNIT, Role.OFFICE, Role.ADMIN})

import_submodules(__name__, __path__)
