// The receipt on screen, exactly as the receipt printer prints it (GET receipt?format=text).

import { h, modal, replace } from "../dom.js";
import { receiptText } from "../printing.js";
import { eReceiptControl } from "./e_receipt.js";

export async function showReceipt(app, order) {
  const dialog = modal({ title: `Receipt ${order.order_number}`, testid: "receipt-dialog", className: "receipt-dialog" });
  replace(dialog.body, h("p", { class: "muted" }, "Loading…"));
  const text = await receiptText(app.api, order.id);
  replace(dialog.body, text
    ? h("pre", { class: "receipt-text", testid: "receipt-text" }, text)
    : h("p", { class: "message message-error" }, "The outlet server cannot show this receipt."),
  order.status !== "cancelled" && order.balance_due !== undefined && Number(order.balance_due) === 0
    && Number(order.paid_amount) > 0 ? eReceiptControl(app, order) : null);
}
