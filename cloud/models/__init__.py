"""Cloud models. Importing this package registers every table on the metadata."""
from cloud.models.audit import AuditEntry
from cloud.models.automation import AutomationRule, AutomationRuleState, WebhookAttempt, WebhookDelivery
from cloud.models.base import Base
from cloud.models.catalog import Category, Modifier, ModifierGroup, OutletProduct, Product
from cloud.models.customer import Customer
from cloud.models.device import Device, EnrollmentKey
from cloud.models.idempotency import IdempotencyRecord
from cloud.models.notification import (
    Notification,
    NotificationOptOut,
    NotificationStatusEvent,
    NotificationTemplate,
    NotificationTrigger,
)
from cloud.models.payments import GatewayAccount, GatewayCharge, GatewayRefund, PaymentCallback
from cloud.models.promotion import Promotion, PromotionAllowance, PromotionProduct, PromotionUsage
from cloud.models.sales import (
    CustomerActivity,
    CustomerAlias,
    SyncedOrder,
    SyncedOrderItem,
    SyncedPayment,
    SyncedRefund,
    SyncedShift,
)
from cloud.models.security import RequestLogEntry
from cloud.models.security_alert import SecurityAlert
from cloud.models.settlement import SettlementImport, SettlementLine
from cloud.models.stock import OutletSoldOut, Recipe, ReorderPoint, StockItem, StockMovement, Stocktake, Transfer
from cloud.models.sync import ProcessedEvent, SyncDiscrepancy, TenantVersion, Tombstone
from cloud.models.tenant import Outlet, Tenant
from cloud.models.user import LoginThrottle, RevokedToken, User
from cloud.models.worker import WorkerHeartbeat

__all__ = [
    "AuditEntry", "SettlementImport", "SettlementLine",
    "Base", "Category", "Customer", "Device", "EnrollmentKey", "IdempotencyRecord", "Modifier",
    "LoginThrottle", "ModifierGroup", "Outlet", "OutletProduct", "ProcessedEvent", "Product", "Promotion",
    "PromotionAllowance", "PromotionProduct", "PromotionUsage", "RevokedToken", "Tenant",
    "TenantVersion", "Tombstone", "User", "CustomerActivity", "CustomerAlias", "SyncedOrder", "SyncedOrderItem",
    "SyncedPayment", "SyncedRefund", "SyncedShift", "SyncDiscrepancy", "GatewayAccount", "GatewayCharge",
    "GatewayRefund", "PaymentCallback", "Notification", "NotificationOptOut", "NotificationStatusEvent",
    "NotificationTemplate", "NotificationTrigger", "Recipe", "StockItem", "StockMovement", "WorkerHeartbeat",
    "RequestLogEntry", "SecurityAlert", "AutomationRule", "AutomationRuleState", "OutletSoldOut", "Stocktake",
    "Transfer", "ReorderPoint", "WebhookDelivery", "WebhookAttempt",
]
