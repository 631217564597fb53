"""`pos cloud worker`: the process that delivers notifications and automation rules' webhooks
and evaluates automation rules.

The cloud's schedule is APScheduler's (a BlockingScheduler with one interval job, never
two runs at once in one process, late runs coalesced); the edge's background loops are
plain monotonic loops instead (docs/decisions.md says why). Several workers, on one host
or several, share one PostgreSQL database safely: each claims messages with SKIP
LOCKED (cloud/services/notification_outbox.py).
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def build_channels(config):
    from cloud.notifications.channels import channels_from_config

    return channels_from_config(config)


def run_pass(app, channels) -> None:
    from cloud.extensions import db
    from cloud.services import heartbeats, webhook_deliveries
    from cloud.services.notification_worker import WorkerSettings, run_once

    with app.app_context():
        try:
            found = run_once(db.session, channels, WorkerSettings.from_config(app.config))
            if found.claimed or found.triggers:
                log.info("notifications: %s", found)
            hooks = webhook_deliveries.run_once(db.session, webhook_deliveries.WebhookSettings.from_config(app.config))
            if hooks.claimed:
                log.info("webhooks: %s", hooks)
            heartbeats.beat(db.session)  # GET /api/health/ says whether a worker runs
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("notification pass failed; the next one tries again")
        finally:
            db.session.remove()


def prune_security_log(app) -> None:
    """Drop request-log rows past `SECURITY_LOG_KEEP_DAYS` (hourly; the delete uses the
    time index, so a run that finds nothing costs one index probe)."""
    from cloud.extensions import db
    from cloud.services import security_log

    with app.app_context():
        try:
            pruned = security_log.prune(db.session, app.config["SECURITY_LOG_KEEP_DAYS"])
            db.session.commit()
            if pruned:
                log.info("security log: pruned %s rows past %s days", pruned, app.config["SECURITY_LOG_KEEP_DAYS"])
        except Exception:
            db.session.rollback()
            log.exception("security log pruning failed; the next run tries again")
        finally:
            db.session.remove()


def scan_security_alerts(app) -> None:
    """Raise or update the security alerts the evidence calls for (every minute)."""
    from cloud.extensions import db
    from cloud.services import security_alerts

    with app.app_context():
        try:
            security_alerts.scan(db.session, security_alerts.AlertSettings.from_config(app.config))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("security alert scan failed; the next one tries again")
        finally:
            db.session.remove()


def run_rules(app) -> None:
    """One pass over the automation rules (fired ones queue their messages, which the
    notifications job sends on its next pass) and the unpaid orders due a payment reminder."""
    from datetime import timedelta

    from cloud.extensions import db
    from cloud.services.automation_eval import evaluate
    from cloud.services.notification_triggers import note_payment_reminders
    from sync.timeutil import utcnow

    with app.app_context():
        try:
            found = evaluate(db.session)
            if found.fired or found.cleared:  # event rules fire as their events' notes settle (run_pass)
                log.info("automation rules: %s", found)
            after = timedelta(hours=app.config["NOTIFY_REMINDER_AFTER_H"])
            reminders = note_payment_reminders(db.session, utcnow(), after, after + timedelta(days=7))
            if reminders:
                log.info("payment reminders noted: %s", reminders)
        except Exception:
            db.session.rollback()
            log.exception("automation pass failed; the next one tries again")
        finally:
            db.session.remove()


def make_scheduler(app, channels, *, blocking: bool = True):
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    # one thread: the deliveries and the rules take turns, so one worker process never
    # holds two write transactions at once (SQLite allows one writer)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone="UTC", executors={"default": ThreadPoolExecutor(max_workers=1)})
    scheduler.add_job(run_pass, "interval", args=(app, channels), seconds=app.config["NOTIFY_POLL_S"],
                      id="notifications", max_instances=1, coalesce=True, next_run_time=_now())
    scheduler.add_job(prune_security_log, "interval", args=(app,), hours=1, id="security-log-pruning",
                      max_instances=1, coalesce=True, next_run_time=_now())
    scheduler.add_job(scan_security_alerts, "interval", args=(app,), minutes=1, id="security-alerts",
                      max_instances=1, coalesce=True, next_run_time=_now())
    scheduler.add_job(run_rules, "interval", args=(app,), seconds=app.config["NOTIFY_RULES_S"],
                      id="automation_rules", max_instances=1, coalesce=True, next_run_time=_now())
    return scheduler


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
