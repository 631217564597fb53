"""Failed sign-ins at this edge, per username (sync/login_throttle.py): backoff and lockout."""
from edge.models.base import Base
from sync.login_throttle import LoginThrottleMixin


class LoginThrottle(LoginThrottleMixin, Base):
    pass
