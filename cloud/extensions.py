"""The cloud's Flask extensions, created unbound and initialised in `create_app`."""
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from cloud.models.base import Base
from cloud.rate_limits import APPLICATION_LIMITS
from sync.web.limits import ViewLimiter
from sync.web.tokens import VerifyOnceJWTManager

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = VerifyOnceJWTManager()
limiter = ViewLimiter(key_func=get_remote_address, default_limits=[], application_limits=APPLICATION_LIMITS)
