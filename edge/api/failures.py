"""Database failures that are about the storage, answered as such: a full disk is 507
STORAGE_FULL, a damaged database 503 DATABASE_DAMAGED (both in the contract's error
body, with a message a cashier can act on). Any other database error stays a logged 500."""
from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError

from edge.services.storage import database as storage
from sync.web.errors import error_body, refusal

log = logging.getLogger(__name__)


def install(app) -> None:
    @app.errorhandler(DBAPIError)
    def _database_failure(error: DBAPIError):
        answer = storage.answer_for(error)
        if answer is None:
            log.exception("unhandled database error")
            return error_body(500, "Internal server error; the failure was logged"), 500
        body, status, _headers = refusal(answer)
        return body, status
