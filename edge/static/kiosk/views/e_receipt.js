// Sending the e-receipt: the customer gives a phone number (WhatsApp) or an email address for
// a paid order. The outlet server queues it (offline too); the cloud sends it once synced.

import { uuid4 } from "../api.js";
import { h } from "../dom.js";

/** The control (an input, a Send button, a status line) for a paid order; null when the
 *  outlet has no e-receipt link (not enrolled). */
export function eReceiptControl(app, order) {
  if (!order.receipt_url) return null;
  const contact = h("input", { type: "text", class: "input", testid: "e-receipt-contact", autocomplete: "off",
    placeholder: "Phone (WhatsApp) or email", "aria-label": "Customer's phone or email for the e-receipt",
    inputmode: "email", maxlength: "254" });
  const status = h("p", { class: "muted e-receipt-status", testid: "e-receipt-status", role: "status" });
  const send = h("button", { type: "submit", class: "btn btn-secondary", testid: "e-receipt-send" }, "Send e-receipt");
  let key = uuid4();
  let busy = false;
  const form = h("form", { class: "e-receipt", testid: "e-receipt", onSubmit: async (event) => {
    event.preventDefault();
    const recipient = contact.value.trim();
    if (busy || !recipient) return;
    const channel = recipient.includes("@") ? "email" : "whatsapp";
    busy = true;
    send.disabled = true;
    status.className = "muted e-receipt-status";
    status.textContent = "Sending…";
    try {
      const queued = await app.api.post(`/api/orders/${order.id}/e-receipt/`, { channel, recipient },
        { idempotencyKey: key });
      key = uuid4();
      status.className = "e-receipt-status ok";
      status.textContent = `Queued: the e-receipt goes to ${queued.recipient} by `
        + `${channel === "email" ? "email" : "WhatsApp"} once the outlet has synced.`;
      contact.value = "";
    } catch (error) {
      if (!error.isNetwork) key = uuid4(); // refused: a new attempt is a new request
      status.className = "e-receipt-status error";
      status.textContent = error.message;
    } finally {
      busy = false;
      send.disabled = false;
    }
  } }, h("label", { class: "e-receipt-label" }, "E-receipt"), contact, send, status);
  return form;
}
