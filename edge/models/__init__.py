"""Edge models. Importing this package registers every table on the metadata."""
from edge.models.audit import AuditHead, AuditRecord
from edge.models.base import Base
from edge.models.customers import Customer, LoyaltyEntry, PromotionUse
from edge.models.gateway import GatewayPayment
from edge.models.idempotency import IdempotencyRecord
from edge.models.logins import LoginThrottle
from edge.models.mirror import (
                                MirrorAllowance,
                                MirrorCategory,
                                MirrorOutlet,
                                MirrorOutletProduct,
                                MirrorProduct,
                                MirrorPromotion,
                                MirrorRecipe,
                                MirrorStockItem,
                                MirrorTenant,
                                MirrorTransfer,
                                RevokedToken,
                                User,
)
from edge.models.printing import Printer, PrinterState, PrintJobRow
from edge.models.sales import CashMovement, Order, OrderCounter, OrderItem, OrderPromotion, Payment, Refund, Shift
from edge.models.stock import SoldOutMark, StockMovement, Stocktake, StocktakeLine
from edge.models.sync import KitchenEvent, OutboxEvent, SyncIncident, SyncState

__all__ = [
    "AuditHead", "AuditRecord",
    "Base", "CashMovement", "Customer", "IdempotencyRecord", "KitchenEvent", "LoginThrottle", "LoyaltyEntry",
    "MirrorAllowance",
    "MirrorCategory", "MirrorOutlet", "MirrorOutletProduct", "MirrorProduct", "MirrorPromotion", "MirrorTenant",
    "Order", "OrderCounter", "OrderItem", "OrderPromotion", "OutboxEvent", "Payment", "PromotionUse", "Refund",
    "RevokedToken", "Printer", "PrinterState", "PrintJobRow", "GatewayPayment",
    "Shift", "SyncIncident", "SyncState", "User", "MirrorRecipe", "MirrorStockItem", "StockMovement", "SoldOutMark",
    "MirrorTransfer",
    "Stocktake", "StocktakeLine",
]
