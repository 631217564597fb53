// Checkout and payment: the order is created once (a browser-made client_uuid makes a
// retry after a timeout return the same order), then paid by cash (tendered keypad,
// quick cash, change due), card (terminal reference), split tender, static QRIS (the
// outlet's printed QR, with the payer's reference; offered only where one is configured),
// or QRIS/e-wallet when the outlet is online. Fully paid: sent to the kitchen, receipt printed.

import { uuid4 } from "../api.js";
import { format, fromKeypadDigits, quickCash, toMinor, toWire } from "../money.js";
import { h, keypad, messageLine, modal, replace, toast } from "../dom.js";
import { cartItems, itemsSignature, on, resetCart, saveCart, settings, state } from "../store.js";
import { PRINTING_UNAVAILABLE, hasPrinter, printOrder } from "../printing.js";
import { eReceiptControl } from "./e_receipt.js";
import { showReceipt } from "./receipt.js";
import { EDITABLE, GATEWAY, PAYMENT_METHODS, methodLabel } from "../vocab.js";
import { rejectedCodes } from "./sell.js";

export const LONG_POLL_S = 20; // a waiting QR payment: the edge answers as soon as it changes, or after this

window.kioskMetrics = window.kioskMetrics || { payments: [] };

function orderBody() {
  const cart = state.cart;
  const rejected = new Set(rejectedCodes());
  const body = {
    source: settings.mode === "self" ? "self" : "pos",
    items: cartItems(),
    promo_codes: cart.promoCodes.filter((code) => !rejected.has(code)),
  };
  if (cart.customer) body.customer_id = cart.customer.id;
  const name = cart.customerName || (cart.customer ? cart.customer.name : "");
  if (name) body.customer_name = name;
  if (cart.table) body.table = cart.table;
  if (cart.note) body.note = cart.note;
  return body;
}

function differs(order, body) {
  const codes = (list) => JSON.stringify([...list].map((c) => c.toUpperCase()).sort());
  return itemsSignature(order.items) !== itemsSignature(body.items)
    || codes(order.promo_codes || []) !== codes(body.promo_codes)
    || (order.customer_id || null) !== (body.customer_id || null)
    || (order.table || "") !== (body.table || "")
    || (order.note || "") !== (body.note || "")
    || (body.customer_name && order.customer_name !== body.customer_name);
}

/** The cart as an order on the edge: created once, brought up to date while editable. */
export async function ensureOrder(app, extra = {}) {
  const cart = state.cart;
  const body = { ...orderBody(), ...extra };
  let order;
  if (cart.orderId) {
    order = await app.api.get(`/api/orders/${cart.orderId}/`);
    if (order.status === "cancelled") {
      cart.orderId = null;
      cart.clientUuid = null;
      saveCart();
      return ensureOrder(app, extra);
    }
  } else {
    if (!cart.clientUuid) {
      cart.clientUuid = uuid4();
      saveCart();
    }
    order = await app.api.post("/api/orders/", { client_uuid: cart.clientUuid, ...body });
    cart.orderId = order.id;
    saveCart();
  }
  if (EDITABLE.includes(order.status) && toMinor(order.paid_amount) === 0 && differs(order, body)) {
    const patch = { items: body.items, promo_codes: body.promo_codes, customer_id: body.customer_id || null,
      table: body.table || "", note: body.note || "" };
    if (body.customer_name) patch.customer_name = body.customer_name;
    order = await app.api.patch(`/api/orders/${order.id}/`, patch);
  }
  return order;
}

export async function checkout(app) {
  if (!state.cart.lines.length) return;
  if (!state.shift) {
    toast("Open a shift before taking payment.", "error");
    app.show("shift-open");
    return;
  }
  app.busy(true);
  try {
    const order = await ensureOrder(app);
    openPayment(app, order, { fromCart: true });
  } catch (error) {
    toast(error.message, "error", 7000);
  } finally {
    app.busy(false);
  }
}

export async function sendToKitchenPayLater(app) {
  if (!state.cart.lines.length) return;
  app.busy(true);
  try {
    let order = await ensureOrder(app);
    if (EDITABLE.includes(order.status)) order = await app.api.post(`/api/orders/${order.id}/confirm/`);
    resetCart();
    app.menuAfterSale();
    toast(`${order.order_number} sent to the kitchen; ${format(order.balance_due)} to pay later (Orders).`, "ok", 6000);
    app.refreshStatus();
  } catch (error) {
    toast(error.message, "error", 7000);
  } finally {
    app.busy(false);
  }
}

/** The payment screen for an order. `fromCart`: the cart is cleared once the order is paid. */
export function openPayment(app, initialOrder, { fromCart = false, onFinished = null } = {}) {
  let order = initialOrder;
  let method = "cash";
  let tenderKey = uuid4(); // Idempotency-Key of the tender being entered; kept across retries
  let uncertain = false; // the last attempt may have reached the edge
  let busy = false;
  let lastChange = 0;
  let waiting = null; // the QRIS / e-wallet payment being waited for: { payment, stop }

  const dialog = modal({ title: `Payment · ${order.order_number}`, className: "payment", testid: "payment",
    onClose: () => {
      if (waiting) waiting.stop();
      document.removeEventListener("keydown", onKey, true);
      if (onFinished) onFinished(order);
    } });
  const message = messageLine("payment-message");
  const summary = h("div", { class: "pay-summary" });
  const tender = h("div", { class: "pay-tender" });
  const digits = { cash: "", card: "" };
  const reference = h("input", { class: "input", autocomplete: "off", maxlength: "120", testid: "card-reference",
    placeholder: "Approval code from the card terminal", "aria-label": "Card terminal reference" });

  const staticReference = h("input", { class: "input", autocomplete: "off", maxlength: "120",
    testid: "static-reference", placeholder: "Reference shown in the customer's app",
    "aria-label": "Payment reference from the customer's app" });
  const hasStaticQr = () => Boolean(state.outlet && state.outlet.static_qris);

  const balance = () => toMinor(order.balance_due);

  function renderSummary() {
    replace(summary,
      h("h3", { testid: "payment-order-number" }, order.order_number),
      order.table || order.customer_name ? h("p", { class: "muted" }, [order.table && `Table ${order.table}`,
        order.customer_name].filter(Boolean).join(" · ")) : null,
      h("ul", { class: "pay-lines" }, order.items.map((item) => h("li", {},
        h("span", {}, `${item.quantity} × ${item.product_name}`,
          item.modifiers.length ? h("small", {}, item.modifiers.map((m) => m.name).join(", ")) : null),
        h("span", {}, format(item.gross))))),
      line("Subtotal", format(order.subtotal)),
      order.promotions.map((p) => h("div", { class: "total-line promo" }, h("span", {}, p.name),
        h("span", {}, `−${format(p.discount_amount)}`))),
      line("Service charge", format(order.service_charge)),
      line("Tax", format(order.tax_amount)),
      toMinor(order.rounding_amount) ? line("Rounding", format(order.rounding_amount)) : null,
      line("Total", format(order.total_amount), "payment-total", "total-row"),
      order.payments.filter((p) => p.status === "paid").map((p) => h("div", { class: "total-line paid", testid: "payment-row", dataset: { method: p.method } },
        h("span", {}, `${label(p.method)}${p.reference ? ` · ${p.reference}` : ""}${p.tendered && toMinor(p.change_amount)
          ? ` (received ${format(p.tendered)})` : ""}`),
        h("span", {}, `−${format(p.amount)}`))),
      line("Balance due", format(order.balance_due), "payment-balance",
        `balance-row${toMinor(order.balance_due) > 0 ? "" : " settled"}`));
  }

  function tabs() {
    const online = Boolean(state.status && state.status.cloud && state.status.cloud.online);
    const tab = (key, text, disabled = false, why = "") => h("button", {
      type: "button", class: `tab${method === key ? " active" : ""}`, disabled, title: why || undefined,
      testid: `tender-${key}`, onClick: () => { method = key; message.set(null); renderTender(); },
    }, text);
    const reason = online ? null : "QRIS and e-wallets need the internet, and this outlet is offline now. Take cash or card.";
    return [h("div", { class: "tabs tender-tabs" },
      ...PAYMENT_METHODS.filter((m) => !m.static_qr || hasStaticQr())
        .map((m) => tab(m.name, m.label, m.gateway && !online, m.gateway ? reason : null))),
    reason ? h("p", { class: "muted small", testid: "gateway-reason" }, reason) : null];
  }

  function cashPanel() {
    const tendered = fromKeypadDigits(digits.cash);
    const display = h("div", { class: "amount-display", testid: "cash-tendered" }, format(tendered));
    const preview = h("p", { class: "change-preview", testid: "cash-change-preview" },
      !tendered ? `Due ${format(balance())}` : tendered >= balance() ? `Change due ${format(tendered - balance())}`
        : `Still due after this: ${format(balance() - tendered)}`);
    const pad = keypad({ extra: "000", testid: "cash-keypad", maxLength: 10, initial: digits.cash,
      onChange: (value) => { digits.cash = value; renderTender(); } });
    const quick = h("div", { class: "quick-cash", testid: "quick-cash" }, quickCash(balance()).map((amount, i) => h("button", {
      type: "button", class: "btn btn-secondary", dataset: { amount: toWire(amount) },
      onClick: () => { digits.cash = String(Math.round(amount / 100)); renderTender(); },
    }, i === 0 ? `Exact ${format(amount)}` : format(amount))));
    const submit = h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "pay-submit",
      disabled: !tendered || busy, onClick: () => pay({ method: "cash", tendered: toWire(tendered) }) },
    tendered >= balance() ? `Take cash · ${format(balance())}` : tendered ? `Take ${format(tendered)} cash (split)` : "Take cash");
    return h("div", { class: "tender-panel" }, h("label", { class: "field-label" }, "Cash received"), display, quick,
      pad.el, preview, submit);
  }

  /** The card takes at most what is due: digits that would go past it are not taken. */
  function acceptCardDigits(value) {
    if (value && fromKeypadDigits(value) > balance()) {
      message.set(`A card can take at most the balance due, ${format(balance())}; take the rest another way.`);
      return false;
    }
    message.set(null);
    digits.card = value;
    return true;
  }

  function cardPanel() {
    const amount = digits.card ? fromKeypadDigits(digits.card) : balance();
    const pad = keypad({ extra: "000", testid: "card-keypad", maxLength: 10, initial: digits.card,
      onChange: (value) => { acceptCardDigits(value); renderTender(); } });
    const submit = h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "pay-submit", disabled: busy,
      onClick: () => {
        if (!reference.value.trim()) {
          message.set("Enter the card terminal's approval reference.");
          reference.focus();
          return;
        }
        pay({ method: "card", amount: toWire(amount), reference: reference.value.trim() });
      } }, `Charge card · ${format(amount)}`);
    return h("div", { class: "tender-panel" },
      h("label", { class: "field-label" }, "Amount on card", h("small", {}, " (less than the balance for a split)")),
      h("div", { class: "amount-display", testid: "card-amount" }, format(amount)),
      pad.el, h("label", { class: "field" }, h("span", {}, "Terminal reference"), reference), submit);
  }

  /** The outlet's printed QR: the customer scans it and types the amount; the cashier
   * records the reference their app shows (checked later against the settlement report). */
  function staticQrPanel() {
    const image = h("img", { class: "qr-image", testid: "static-qr-image", alt: "The outlet's QRIS code to scan",
      width: "240", height: "240", hidden: true });
    app.api.get("/api/outlet/static-qr.svg", { as: "text" }).then((svg) => {
      image.src = `data:image/svg+xml;base64,${btoa(svg)}`;
      image.hidden = false;
    }).catch(() => { /* the printed QR at the counter still works */ });
    const submit = h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "pay-submit", disabled: busy,
      onClick: () => {
        if (!staticReference.value.trim()) {
          message.set("Enter the payment reference shown in the customer's app.");
          staticReference.focus();
          return;
        }
        pay({ method: "static_qr", amount: toWire(balance()), reference: staticReference.value.trim() });
      } }, `Record QRIS payment · ${format(balance())}`);
    return h("div", { class: "tender-panel", testid: "static-qr-panel" },
      h("label", { class: "field-label" }, `Customer pays ${format(balance())} to the outlet's QR`),
      image,
      h("p", { class: "muted" }, "Check the payment on the customer's phone, then enter its reference. "
        + "It is recorded as unverified until head office matches the provider's settlement report."),
      h("label", { class: "field" }, h("span", {}, "Payment reference"), staticReference), submit);
  }

  function gatewayPanel(kind) {
    return h("div", { class: "tender-panel" },
      h("label", { class: "field-label" }, `Amount by ${GATEWAY[kind]}`),
      h("div", { class: "amount-display" }, format(balance())),
      h("p", { class: "muted" }, "The customer pays with their phone; the order updates when the payment is confirmed."),
      h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "pay-submit", disabled: busy,
        onClick: () => pay({ method: kind, amount: toWire(balance()) }) }, `Pay by ${GATEWAY[kind]} · ${format(balance())}`));
  }

  function renderTender() {
    const online = Boolean(state.status && state.status.cloud && state.status.cloud.online);
    if (!online && GATEWAY[method]) method = "cash";
    if (method === "static_qr" && !hasStaticQr()) method = "cash";
    const panel = method === "cash" ? cashPanel() : method === "card" ? cardPanel()
      : method === "static_qr" ? staticQrPanel() : gatewayPanel(method);
    replace(tender, tabs(), panel, message.el);
  }

  async function refreshOrder() {
    order = await app.api.get(`/api/orders/${order.id}/`);
  }

  async function pay(body) {
    if (busy) return;
    busy = true;
    const started = performance.now();
    dialog.el.classList.add("busy");
    message.set(null);
    try {
      if (uncertain) {
        // The last attempt may have reached the edge: look before charging again.
        const before = order.payments.length;
        await refreshOrder();
        uncertain = false;
        if (order.payments.length > before) {
          tenderKey = uuid4();
          afterPayment(order.payments[order.payments.length - 1], started, null);
          return;
        }
      }
      const payment = await app.api.post("/api/payments/", { order_id: order.id, ...body },
        { idempotencyKey: tenderKey });
      const answered = performance.now();
      tenderKey = uuid4();
      await refreshOrder();
      if (payment.status === "pending") {
        waitForGateway(payment, started);
        return;
      }
      afterPayment(payment, started, answered);
    } catch (error) {
      if (error.isNetwork) uncertain = true;
      message.set(error.message);
    } finally {
      busy = false;
      dialog.el.classList.remove("busy");
      if (!dialog.closed && toMinor(order.balance_due) > 0) {
        renderSummary();
        if (!waiting) renderTender();
      }
    }
  }

  /** The customer pays with their phone: the QR (or the wallet's link) until the cloud
   * reports the gateway's answer. Long-polls the edge (`?wait=`, which long-polls the cloud),
   * at most once a second when an answer comes back at once;
   * "Check now" asks the gateway itself; "Cancel this QR" withdraws it before anyone pays. */
  function waitForGateway(payment, started = performance.now()) {
    const kind = label(payment.method);
    method = payment.method;
    let timer = null;
    let stopped = false;
    let longPolling = false;
    let unwatch = () => {};
    const stop = () => { stopped = true; clearTimeout(timer); waiting = null; unwatch(); };
    waiting = { payment, stop };
    const image = h("img", { class: "qr-image", testid: "qr-image", alt: `${kind} code to scan`, width: "280",
      height: "280", hidden: true });
    const link = h("a", { class: "btn btn-secondary", testid: "gateway-deeplink", target: "_blank", rel: "noopener",
      hidden: true }, "Open the e-wallet app");
    const status = h("p", { class: "gateway-state", testid: "gateway-state", role: "status" },
      "Waiting for the customer to pay…");
    const expiry = h("p", { class: "muted small", testid: "gateway-expiry" });
    const check = h("button", { type: "button", class: "btn btn-secondary", testid: "gateway-check",
      onClick: () => poll(true) }, "Check now");
    const cancel = h("button", { type: "button", class: "btn btn-secondary", testid: "gateway-cancel",
      onClick: () => withdraw() }, "Cancel this QR");
    // a till with no screen facing the customer: the receipt printer draws the code (native QR)
    const printQr = h("button", { type: "button", class: "btn btn-secondary", testid: "gateway-print",
      hidden: payment.method !== "qris" || hasPrinter("receipt") === false, onClick: async () => {
        try {
          await app.api.post(`/api/payments/${payment.id}/print-qr/`);
          toast("The code is printing on the receipt printer.", "ok");
        } catch (error) {
          toast(error.message, "error", 7000);
        }
      } }, "Print the code");
    // a printer set up while the till was open shows up with the next status report: ask for one now
    const printable = () => { printQr.hidden = payment.method !== "qris" || hasPrinter("receipt") === false; };
    unwatch = on("status", printable);
    app.refreshStatus();
    replace(tender, h("div", { class: "tender-panel gateway-wait", testid: "gateway-wait",
      dataset: { paymentId: String(payment.id), status: "pending" } },
    h("label", { class: "field-label" }, `${kind} · ${format(payment.amount)}`),
    image, link, status, expiry, h("div", { class: "row-center" }, check, printQr, cancel)), message.el);

    function show(current) {
      if (current.deeplink_url && !link.href) { link.href = current.deeplink_url; link.hidden = false; }
      if (current.expires_at) {
        const left = Math.max(0, Math.round((Date.parse(current.expires_at) - Date.now()) / 1000));
        expiry.textContent = `The code expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      }
    }

    async function drawQr() {
      if (payment.method !== "qris") return;
      try {
        const svg = await app.api.get(`/api/payments/${payment.id}/qr.svg`, { as: "text" });
        image.src = `data:image/svg+xml;base64,${btoa(svg)}`;
        image.hidden = false;
      } catch (error) {
        status.textContent = `The QR could not be drawn (${error.message}); ask the customer to try again.`;
      }
    }

    async function settle(current) {
      tender.querySelector("[data-testid=gateway-wait]").dataset.status = current.status;
      if (current.status === "pending") return show(current);
      stop();
      await refreshOrder();
      renderSummary();
      if (current.status === "paid") {
        status.textContent = "Paid";
        afterPayment(current, started, null);
        return;
      }
      const why = { expired: "expired", cancelled: "was cancelled", failed: "failed" }[current.status] || current.status;
      message.set(`The ${kind} payment ${why}. Try again with a new code, or take cash or card.`);
      renderTender();
    }

    async function poll(now = false) {
      if (stopped || (!now && longPolling)) return;
      clearTimeout(timer);
      if (!now) longPolling = true;
      const began = performance.now();
      try {
        const current = now ? await app.api.post(`/api/payments/${payment.id}/check/`)
          : await app.api.get(`/api/payments/${payment.id}/`, { query: { wait: LONG_POLL_S },
            timeout: (LONG_POLL_S + 10) * 1000 });
        if (!stopped) await settle(current);
      } catch (error) {
        if (now) message.set(error.message);
      } finally {
        if (!now) longPolling = false;
      }
      // the long-poll answers when the payment changes; one back at once (cloud out of reach or busy) waits 1 s
      if (!stopped && !longPolling) timer = setTimeout(() => poll(), Math.max(0, 1000 - (performance.now() - began)));
    }

    async function withdraw() {
      cancel.disabled = true;
      try {
        await settle(await app.api.post(`/api/payments/${payment.id}/cancel/`));
      } catch (error) {
        message.set(error.message);
        cancel.disabled = false;
      }
    }

    show(payment);
    drawQr();
    timer = setTimeout(() => poll(), 1000);
  }

  function afterPayment(payment, started, answered) {
    const refreshed = performance.now();
    const metric = { method: payment.method, order: order.order_number,
      toResponseMs: answered === null ? null : Math.round(answered - started),
      toRefreshMs: Math.round(refreshed - started) };
    window.kioskMetrics.payments.push(metric);
    dialog.el.dataset.lastPayMs = String(metric.toRefreshMs);
    lastChange = toMinor(payment.change_amount);
    digits.cash = "";
    digits.card = "";
    reference.value = "";
    staticReference.value = "";
    app.refreshStatus();
    if (toMinor(order.balance_due) <= 0) {
      finish();
    } else {
      toast(`${label(payment.method)} ${format(payment.amount)} taken${lastChange ? `; change ${format(lastChange)}` : ""}. `
        + `${format(order.balance_due)} still due.`, "ok", 5000);
    }
  }

  async function finish() {
    if (fromCart) resetCart();
    app.menuAfterSale();
    const kitchen = h("p", { class: "kitchen-state", testid: "kitchen-state" }, "Sending to the kitchen…");
    const printMessage = h("p", { class: "print-message", testid: "print-message", role: "status" });
    const change = toMinor(order.change_amount);
    const printButton = h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "print-receipt",
      onClick: async () => {
        printButton.disabled = true;
        const outcome = await printOrder(app.api, order.id, "receipt");
        printMessage.textContent = outcome.message;
        printMessage.className = `print-message ${outcome.ok ? "ok" : "error"}`;
        printButton.disabled = false;
        if (outcome.ok) printButton.textContent = "Reprint receipt (copy)";
      } }, state.features.print && hasPrinter("receipt") ? "Reprint receipt (copy)" : "Print receipt");
    const retry = h("button", { type: "button", class: "btn btn-secondary", testid: "kitchen-retry", hidden: true,
      onClick: () => confirmToKitchen() });
    replace(dialog.body, h("div", { class: "pay-done", testid: "payment-done" },
      h("div", { class: "done-mark" }, "✓"),
      h("h2", {}, "Paid in full"),
      h("p", { class: "muted", testid: "done-order-number" }, order.order_number),
      h("div", { class: "change-due", testid: "change-due", dataset: { amount: toWire(change) } },
        h("span", {}, "Change due"), h("strong", {}, format(change))),
      kitchen, retry, printMessage,
      eReceiptControl(app, order),
      h("div", { class: "row-center" }, printButton,
        state.features.receipt ? h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "show-receipt",
          onClick: () => showReceipt(app, order) }, "Show receipt") : null,
        h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "new-sale",
          onClick: () => dialog.close() }, fromCart ? "New sale" : "Done"))));
    if (state.features.print && hasPrinter("receipt")) {
      printMessage.textContent = "The receipt is printing.";
    } else if (state.features.print && hasPrinter("receipt") === false) {
      printMessage.textContent = "No receipt printer is set up at this outlet; show the receipt on screen if asked.";
    } else if (state.features.print === false) {
      printMessage.textContent = PRINTING_UNAVAILABLE;
      printMessage.className = "print-message error";
    }

    async function confirmToKitchen() {
      retry.hidden = true;
      if (!EDITABLE.includes(order.status)) {
        kitchen.textContent = order.status === "cancelled" ? "Cancelled" : "The kitchen has this order.";
        return;
      }
      try {
        order = await app.api.post(`/api/orders/${order.id}/confirm/`);
        kitchen.textContent = "✓ Sent to the kitchen";
        kitchen.className = "kitchen-state ok";
      } catch (error) {
        kitchen.textContent = error.message;
        kitchen.className = "kitchen-state error";
        retry.textContent = "Send to the kitchen again";
        retry.hidden = false;
      }
    }
    await confirmToKitchen();
    app.refreshStatus();
  }

  // A cashier with a keyboard: digits and Backspace edit the amount, Enter takes the payment.
  function onKey(event) {
    const overlays = document.getElementById("overlays");
    if (overlays.lastElementChild !== dialog.el.parentElement) return; // another dialog is on top
    if (!dialog.el.contains(tender)) return; // paid: nothing left to enter
    if (["INPUT", "TEXTAREA"].includes(event.target.tagName) || !(method in digits)) return;
    if (/^\d$/.test(event.key) && digits[method].length < 10) {
      const typed = (digits[method] + event.key).replace(/^0+(?=\d)/, "");
      if (method === "card" && !acceptCardDigits(typed)) {
        event.preventDefault();
        renderTender();
        return;
      }
      digits[method] = typed;
    } else if (event.key === "Backspace") {
      digits[method] = digits[method].slice(0, -1);
      if (method === "card") message.set(null);
    } else if (event.key === "Enter") {
      const submit = tender.querySelector("[data-testid=pay-submit]");
      if (submit && !submit.disabled) submit.click();
    } else {
      return;
    }
    event.preventDefault();
    renderTender();
  }
  document.addEventListener("keydown", onKey, true);

  replace(dialog.body, summary, tender);
  renderSummary();
  renderTender();
  // Paid before the till heard back (a reload, a lost answer): go straight to "done".
  if (toMinor(order.balance_due) <= 0 && order.payments.length) finish();
  // A QRIS / e-wallet payment still waiting (a reload): wait for it again.
  else if (order.payments.some((p) => p.status === "pending")) {
    waitForGateway(order.payments.find((p) => p.status === "pending"));
  }
  return dialog;
}

function label(methodName) {
  return methodLabel(methodName);
}

function line(text, value, testid, className = "") {
  return h("div", { class: `total-line ${className}`, testid }, h("span", {}, text), h("span", {}, value));
}
