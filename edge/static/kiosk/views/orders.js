// Orders of the shift: search by number or name, status, take payment, send to the
// kitchen, hand over, reprint, refund (manager approval) and cancel within the rules.

import { format, toMinor } from "../money.js";
import { fmtDateTime, fmtTime, h, messageLine, modal, replace, toast } from "../dom.js";
import { state } from "../store.js";
import { printOrder } from "../printing.js";
import { withManagerApproval } from "./approval.js";
import { openPayment } from "./payment.js";
import { showReceipt } from "./receipt.js";
import { EDITABLE, methodLabel } from "../vocab.js";

const STATUS_LABEL = {
  draft: "Draft", pending: "Waiting to pay", confirmed: "In the kitchen", preparing: "Preparing", ready: "Ready",
  served: "Served", completed: "Completed", cancelled: "Cancelled",
};
const SCOPES = [["shift", "This shift"], ["waiting", "Waiting to pay"], ["all", "All orders"]];
const REFUND_REASONS = ["Wrong item", "Customer complaint", "Charged twice", "Order not delivered"];

export function ordersScreen(app) {
  let scope = "shift";
  let search = "";
  let selectedId = null;
  let orders = [];
  let timer = null;

  const searchInput = h("input", { class: "input search", type: "search", placeholder: "Order number, name, phone or table",
    testid: "orders-search", "aria-label": "Search orders" });
  const scopeBar = h("div", { class: "chips" });
  const list = h("ul", { class: "orders-list", testid: "orders-list" });
  const detail = h("section", { class: "order-detail", testid: "order-detail" },
    h("p", { class: "empty" }, "Choose an order."));
  const message = messageLine("orders-message");

  searchInput.addEventListener("input", () => {
    search = searchInput.value.trim();
    clearTimeout(timer);
    timer = setTimeout(load, 200);
  });

  function renderScopes() {
    replace(scopeBar, SCOPES.map(([key, text]) => h("button", { type: "button", class: `chip${scope === key ? " active" : ""}`,
      dataset: { scope: key }, onClick: () => { scope = key; renderScopes(); load(); } }, text)));
  }

  async function load() {
    const query = { search, page_size: 50 };
    if (scope === "shift") {
      if (!state.shift) {
        replace(list, h("li", { class: "empty" }, "No shift is open on this till."));
        return;
      }
      query.shift_id = state.shift.id;
    }
    if (scope === "waiting") query.status = "pending";
    try {
      const page = await app.api.get("/api/orders/", { query });
      orders = page.results;
      message.set(null);
      renderList();
      if (selectedId) {
        const again = orders.find((o) => o.id === selectedId);
        if (again) renderDetail(again);
      }
    } catch (error) {
      message.set(error.message);
    }
  }

  function renderList() {
    replace(list, orders.length ? orders.map((o) => h("li", {},
      h("button", { type: "button", class: `order-row${o.id === selectedId ? " active" : ""}`,
        dataset: { number: o.order_number, status: o.status }, onClick: () => select(o.id) },
      h("span", { class: "order-line1" },
        h("span", { class: "order-number" }, o.order_number),
        h("span", { class: "muted" }, fmtTime(o.created_at)),
        h("span", { class: "order-total" }, format(o.total_amount))),
      h("span", { class: "order-line2" },
        h("span", { class: `badge badge-${o.status}` }, STATUS_LABEL[o.status] || o.status),
        toMinor(o.balance_due) > 0 && o.status !== "cancelled" ? h("span", { class: "badge badge-due" }, "unpaid") : null,
        o.sync_status === "pending" ? h("span", { class: "badge badge-sync", title: "Not yet sent to head office" },
          "not synced") : null,
        h("span", { class: "order-who" }, [o.table && `Table ${o.table}`, o.customer_name].filter(Boolean).join(" · ")))))) 
      : h("li", { class: "empty" }, search ? "No order matches." : "No orders yet."));
  }

  async function select(id) {
    selectedId = id;
    renderList();
    try {
      renderDetail(await app.api.get(`/api/orders/${id}/`));
    } catch (error) {
      message.set(error.message);
    }
  }

  function renderDetail(order) {
    const note = messageLine("order-action-message");
    const run = async (work) => {
      note.set(null);
      try {
        await work();
      } catch (error) {
        note.set(error.message);
      }
    };
    const refundable = toMinor(order.paid_amount) - toMinor(order.refunded_amount);
    const due = toMinor(order.balance_due);
    const actions = [];
    if (due > 0 && !["cancelled", "completed"].includes(order.status)) {
      actions.push(button("Take payment", "order-pay", "btn-primary", () => run(async () => {
        if (!state.shift) throw new Error("Open a shift before taking payment.");
        openPayment(app, order, { onFinished: () => { load(); select(order.id); } });
      })));
    }
    if (EDITABLE.includes(order.status)) {
      actions.push(button("Send to kitchen", "order-confirm", "btn-secondary", () => run(async () => {
        renderDetail(await app.api.post(`/api/orders/${order.id}/confirm/`));
        toast(`${order.order_number} sent to the kitchen.`, "ok");
        load();
      })));
    }
    if (["ready", "served"].includes(order.status) && due <= 0) {
      actions.push(button("Hand over · complete", "order-complete", "btn-secondary", () => run(async () => {
        renderDetail(await app.api.post(`/api/orders/${order.id}/complete/`));
        load();
      })));
    }
    if (order.status !== "cancelled") {
      actions.push(button(toMinor(order.paid_amount) ? "Reprint receipt" : "Print bill", "order-reprint", "btn-secondary",
        () => run(async () => {
          const outcome = await printOrder(app.api, order.id, "receipt");
          note.set(outcome.message, outcome.ok ? "ok" : "error");
        })));
    }
    if (state.features.receipt) {
      actions.push(button("Show receipt", "order-show-receipt", "btn-secondary", () => showReceipt(app, order)));
    }
    if (order.confirmed_at && order.status !== "cancelled") {
      actions.push(button("Reprint kitchen ticket", "order-kitchen-ticket", "btn-secondary", () => run(async () => {
        const outcome = await printOrder(app.api, order.id, "kitchen");
        note.set(outcome.message, outcome.ok ? "ok" : "error");
      })));
    }
    if (refundable > 0) {
      actions.push(button("Refund…", "order-refund", "btn-danger", () => openRefund(app, order, (updated) => {
        renderDetail(updated);
        load();
      })));
    }
    if (!["completed", "cancelled"].includes(order.status)) {
      actions.push(button("Cancel order…", "order-cancel", "btn-danger-ghost", () => openCancel(app, order, (updated) => {
        renderDetail(updated);
        load();
      })));
    }

    replace(detail,
      h("div", { class: "detail-head" },
        h("h2", { testid: "detail-number" }, order.order_number),
        h("span", { class: `badge badge-${order.status}`, testid: "detail-status", dataset: { status: order.status } },
          STATUS_LABEL[order.status] || order.status),
        h("span", { class: `badge ${order.sync_status === "synced" ? "badge-ok" : "badge-sync"}`, testid: "detail-sync" },
          order.sync_status === "synced" ? "synced" : "waiting to sync")),
      h("p", { class: "muted" }, [fmtDateTime(order.created_at), order.source === "self" ? "self-order" : null,
        order.table && `Table ${order.table}`, order.customer_name, order.customer_phone].filter(Boolean).join(" · ")),
      h("ul", { class: "detail-items" }, order.items.map((item) => h("li", {},
        h("span", {}, `${item.quantity} × ${item.product_name}`,
          item.modifiers.length ? h("small", {}, item.modifiers.map((m) => m.name).join(", ")) : null,
          item.note ? h("small", {}, `“${item.note}”`) : null,
          item.refunded_quantity ? h("small", { class: "refunded" }, `${item.refunded_quantity} refunded`) : null,
          item.voided_quantity ? h("small", { class: "refunded" }, `${item.voided_quantity} voided`) : null),
        h("span", {}, format(item.gross))))),
      h("div", { class: "total-line" }, h("span", {}, "Subtotal"), h("span", {}, format(order.subtotal))),
      order.promotions.map((p) => h("div", { class: "total-line promo" }, h("span", {}, p.name),
        h("span", {}, `−${format(p.discount_amount)}`))),
      h("div", { class: "total-line" }, h("span", {}, "Service charge"), h("span", {}, format(order.service_charge))),
      h("div", { class: "total-line" }, h("span", {}, "Tax"), h("span", {}, format(order.tax_amount))),
      toMinor(order.rounding_amount) ? h("div", { class: "total-line" }, h("span", {}, "Rounding"),
        h("span", {}, format(order.rounding_amount))) : null,
      h("div", { class: "total-line total-row" }, h("span", {}, "Total"), h("span", { testid: "detail-total" },
        format(order.total_amount))),
      order.payments.map((p) => h("div", { class: "total-line paid" },
        h("span", {}, `${p.method}${p.reference ? ` · ${p.reference}` : ""}`), h("span", {}, format(p.amount)))),
      toMinor(order.refunded_amount) ? h("div", { class: "total-line refund" }, h("span", {}, "Refunded"),
        h("span", { testid: "detail-refunded" }, `−${format(order.refunded_amount)}`)) : null,
      (order.refunds || []).filter((r) => r.kind === "refund").map((r) => h("p", { class: "muted small" },
        `Refund ${format(r.amount)} by ${r.method || "cash"}: ${r.reason}`)),
      h("div", { class: `total-line balance-row${toMinor(order.balance_due) > 0 ? "" : " settled"}` },
        h("span", {}, "Balance due"), h("span", { testid: "detail-balance" }, format(order.balance_due))),
      order.cancel_reason ? h("p", { class: "muted" }, `Cancelled: ${order.cancel_reason}`) : null,
      h("div", { class: "detail-actions" }, actions),
      note.el);
  }

  renderScopes();
  load();
  const poll = setInterval(load, 15000);
  const el = h("section", { class: "orders", testid: "orders-screen" },
    h("div", { class: "orders-side" }, h("div", { class: "orders-tools" }, searchInput, scopeBar), message.el, list),
    detail);
  return { el, destroy: () => clearInterval(poll), focusSearch: () => searchInput.focus() };
}

function button(text, testid, className, onClick) {
  return h("button", { type: "button", class: `btn ${className}`, testid, onClick }, text);
}

// --- refund -----------------------------------------------------------------------------

const methodName = methodLabel;

/** "Rp 46.000 by card and Rp 6.000 in cash" */
export function describeTenders(tenders) {
  return tenders.map((t) => `${format(t.amount)} ${t.method === "cash" ? "in cash" : `by ${methodName(t.method).toLowerCase()}`}`)
    .join(" and ");
}

/** Ask before money goes back by another method than the one chosen. Resolves true/false. */
function confirmSpill(preview) {
  return new Promise((resolve) => {
    let answered = false;
    const dialog = modal({ title: "Another method too?", testid: "refund-spill", onClose: () => { if (!answered) resolve(false); } });
    const answer = (value) => { answered = true; dialog.close(); resolve(value); };
    const asked = preview.tenders.find((t) => t.method === preview.method);
    const others = preview.tenders.filter((t) => t.method !== preview.method);
    replace(dialog.body,
      h("p", { testid: "refund-spill-text" }, asked
        ? `Only ${format(asked.amount)} can go back by ${methodName(preview.method).toLowerCase()} (what it took and has not `
          + `given back yet). The other ${describeTenders(others)}.`
        : `Nothing can go back by ${methodName(preview.method).toLowerCase()}; it would all go back ${describeTenders(others)}.`),
      h("p", { class: "muted" }, `In all ${format(preview.amount)} goes back.`),
      h("div", { class: "row-end" },
        h("button", { type: "button", class: "btn btn-secondary", testid: "refund-spill-no", onClick: () => answer(false) },
          "Change"),
        h("button", { type: "button", class: "btn btn-danger", testid: "refund-spill-yes", onClick: () => answer(true) },
          "Yes, continue")));
  });
}

function openRefund(app, order, done) {
  const dialog = modal({ title: `Refund ${order.order_number}`, testid: "refund-dialog", className: "refund-dialog" });
  const message = messageLine("refund-message");
  const quantities = new Map();
  let whole = true;
  // what each method took and has not given back yet: only those can give back more
  const left = {};
  for (const p of order.payments) if (p.status === "paid") left[p.method] = (left[p.method] || 0) + toMinor(p.amount);
  for (const r of order.refunds || []) {
    if (r.kind === "refund" && r.method in left) left[r.method] -= toMinor(r.amount);
  }
  const methods = Object.keys(left).filter((m) => left[m] > 0);
  let method = methods.includes("cash") ? "cash" : [...methods].sort((a, b) => left[b] - left[a])[0];
  const reason = h("input", { class: "input", maxlength: "500", placeholder: "Why is the money given back?",
    testid: "refund-reason", "aria-label": "Reason" });
  const body = h("div", {});
  const previewBox = h("div", { class: "refund-preview", testid: "refund-preview", "aria-live": "polite" });
  let preview = null;
  let previewSeq = 0;

  function request() {
    const wanted = { method };
    if (!whole) {
      wanted.lines = [...quantities.entries()].filter(([, q]) => q > 0).map(([item_id, quantity]) => ({ item_id, quantity }));
    }
    return wanted;
  }

  async function loadPreview() {
    const wanted = request();
    const seq = ++previewSeq;
    preview = null;
    if (!whole && !wanted.lines.length) {
      replace(previewBox, h("p", { class: "muted" }, "Choose the items to refund."));
      return;
    }
    replace(previewBox, h("p", { class: "muted" }, "Working out the amount…"));
    try {
      const answer = await app.api.post(`/api/orders/${order.id}/refund/preview/`, wanted);
      if (seq !== previewSeq) return;
      preview = answer;
      replace(previewBox,
        h("div", { class: "refund-amount" }, h("span", {}, "Goes back"),
          h("strong", { testid: "refund-preview-amount", dataset: { value: answer.amount } }, format(answer.amount))),
        h("ul", { class: "refund-tenders" }, answer.tenders.map((t) => h("li", { dataset: { tender: t.method },
          testid: "refund-preview-tender" }, h("span", {}, methodName(t.method)), h("span", {}, format(t.amount))))),
        answer.spills ? h("p", { class: "message message-info", testid: "refund-preview-spill" },
          `Not all of it can go back by ${methodName(answer.method).toLowerCase()}: you will be asked first.`) : null);
    } catch (error) {
      if (seq !== previewSeq) return;
      replace(previewBox, h("p", { class: "message message-error", testid: "refund-preview-error" }, error.message));
    }
  }

  function render() {
    const refundable = toMinor(order.paid_amount) - toMinor(order.refunded_amount);
    replace(body,
      h("div", { class: "tabs" },
        h("button", { type: "button", class: `tab${whole ? " active" : ""}`, testid: "refund-whole",
          onClick: () => { whole = true; render(); } }, `Whole order · ${format(refundable)}`),
        h("button", { type: "button", class: `tab${whole ? "" : " active"}`, testid: "refund-lines",
          onClick: () => { whole = false; render(); } }, "Some items")),
      whole ? null : h("ul", { class: "refund-items" }, order.items.map((item) => {
        const left = item.quantity - item.voided_quantity - item.refunded_quantity;
        const chosen = quantities.get(item.id) || 0;
        return h("li", { dataset: { product: item.product_name } },
          h("span", {}, item.product_name, h("small", {}, ` ${left} of ${item.quantity} left`)),
          h("div", { class: "stepper" },
            h("button", { type: "button", class: "btn step", disabled: chosen <= 0,
              onClick: () => { quantities.set(item.id, chosen - 1); render(); } }, "−"),
            h("span", { class: "qty" }, String(chosen)),
            h("button", { type: "button", class: "btn step", disabled: chosen >= left,
              onClick: () => { quantities.set(item.id, chosen + 1); render(); } }, "+")));
      })),
      h("div", { class: "chips" }, REFUND_REASONS.map((text) => h("button", { type: "button", class: "chip",
        onClick: () => { reason.value = text; } }, text))),
      h("label", { class: "field" }, h("span", {}, "Reason"), reason),
      methods.length > 1 ? h("div", { class: "field" }, h("span", {}, "Give back by"),
        h("div", { class: "chips" }, methods.map((m) => h("button", { type: "button",
          class: `chip${method === m ? " active" : ""}`, dataset: { method: m },
          onClick: () => { method = m; render(); } }, methodName(m))))) : h("p", { class: "muted" },
        `Given back by ${methodName(method).toLowerCase()}.`),
      previewBox,
      message.el,
      h("div", { class: "row-end" }, h("button", { type: "button", class: "btn btn-danger btn-lg", testid: "refund-approve",
        onClick: submit }, "Ask a manager to approve")));
    loadPreview();
  }

  async function submit() {
    if (!reason.value.trim()) {
      message.set("Enter the reason for the refund.");
      reason.focus();
      return;
    }
    const wanted = { reason: reason.value.trim(), ...request() };
    if (wanted.lines && !wanted.lines.length) {
      message.set("Choose the items to refund, or refund the whole order.");
      return;
    }
    if (!preview) {
      message.set("The amount is still being worked out; try again in a moment.");
      return;
    }
    message.set(null);
    if (preview.spills && !(await confirmSpill(preview))) return;
    const shown = preview;
    const refund = await withManagerApproval(app, {
      title: "Manager approval: refund",
      explain: `Refund ${format(shown.amount)} on ${order.order_number}: ${describeTenders(shown.tenders)} `
        + `(${wanted.reason}). A manager enters their PIN to approve.`,
      action: (token) => app.api.post(`/api/orders/${order.id}/refund/`, wanted, { auth: token }),
    });
    if (!refund) return;
    dialog.close();
    // one record per method the money went back by (a split-tender order gives each its part)
    const tenders = refund.tenders || [{ method: refund.method, amount: refund.amount }];
    toast(`Refunded ${describeTenders(tenders)}. Give it back to the customer; the refund slip is printing.`, "ok", 7000);
    app.refreshStatus();
    done(await app.api.get(`/api/orders/${order.id}/`));
  }

  replace(dialog.body, body);
  render();
}

// --- cancel -----------------------------------------------------------------------------

function openCancel(app, order, done) {
  const dialog = modal({ title: `Cancel ${order.order_number}`, testid: "cancel-dialog" });
  const message = messageLine("cancel-message");
  const reason = h("input", { class: "input", maxlength: "500", placeholder: "Reason (e.g. customer left)",
    testid: "cancel-reason", "aria-label": "Reason" });
  const managerButton = h("button", { type: "button", class: "btn btn-secondary", testid: "cancel-manager", hidden: true,
    onClick: async () => {
      const updated = await withManagerApproval(app, {
        title: "Manager approval: cancel",
        explain: `Cancel ${order.order_number}, which the kitchen already has.`,
        action: (token) => app.api.post(`/api/orders/${order.id}/cancel/`, { reason: reason.value.trim() }, { auth: token }),
      });
      if (updated) finish(updated);
    } }, "Ask a manager");

  function finish(updated) {
    dialog.close();
    toast(`${order.order_number} cancelled.`, "ok");
    app.refreshStatus();
    done(updated);
  }

  async function submit() {
    message.set(null);
    try {
      finish(await app.api.post(`/api/orders/${order.id}/cancel/`, { reason: reason.value.trim() }));
    } catch (error) {
      message.set(error.message);
      managerButton.hidden = error.status !== 403;
    }
  }

  replace(dialog.body,
    h("p", {}, "Cashiers can cancel an order before the kitchen has it; after that a manager must approve. "
      + "Paid orders are refunded first."),
    h("label", { class: "field" }, h("span", {}, "Reason"), reason), message.el,
    h("div", { class: "row-end" }, managerButton,
      h("button", { type: "button", class: "btn btn-danger", testid: "cancel-submit", onClick: submit }, "Cancel order")));
  reason.focus();
}
