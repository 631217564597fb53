"""The edge's Flask extensions, created unbound and initialised in `create_app`."""
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession

from edge.models.base import Base
from sync.web.limits import ViewLimiter
from sync.web.tokens import VerifyOnceJWTManager


class EdgeSession(FlaskSession):
    """The edge's own sessions: `edge.services.storage.rows` hangs its commit and rollback
    listeners on this class, not on every SQLAlchemy session in the process."""


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": EdgeSession})
migrate = Migrate()
jwt = VerifyOnceJWTManager()
limiter = ViewLimiter(key_func=get_remote_address, default_limits=[])
socketio = SocketIO()
