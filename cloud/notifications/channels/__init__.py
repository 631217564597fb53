"""Notification channels, one small interface each (`base.Channel`): email over SMTP and
WhatsApp through Meta's Cloud API. `channels_from_config` builds the ones the cloud's
settings configure; nothing here imports Flask or the database."""
from __future__ import annotations

from collections.abc import Mapping

from cloud.notifications.channels.base import FAILED, SENT, Channel, Message, SendResult, WhatsAppTemplate
from cloud.notifications.channels.email import EmailChannel, SmtpSettings
from cloud.notifications.channels.whatsapp import WhatsAppChannel, WhatsAppSettings

__all__ = ["FAILED", "SENT", "Channel", "EmailChannel", "Message", "SendResult", "SmtpSettings", "WhatsAppChannel",
           "WhatsAppSettings", "WhatsAppTemplate", "channels_from_config"]


def channels_from_config(config: Mapping) -> dict[str, Channel]:
    """{"email": …, "whatsapp": …} for the channels whose settings are present."""
    channels: dict[str, Channel] = {}
    smtp = SmtpSettings.from_config(config)
    if smtp is not None:
        channels["email"] = EmailChannel(smtp)
    whatsapp = WhatsAppSettings.from_config(config)
    if whatsapp is not None:
        channels["whatsapp"] = WhatsAppChannel(whatsapp)
    return channels
