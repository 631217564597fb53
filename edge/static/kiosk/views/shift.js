// Shifts: open with the cash float; during the shift, cash in/out and the X report;
// close with the counted cash into the Z report (on screen, and printed where possible).

import { format, fromKeypadDigits, toMinor, toWire } from "../money.js";
import { fmtDateTime, h, keypad, messageLine, modal, replace, toast } from "../dom.js";
import { state } from "../store.js";
import { hasPrinter, printShiftReport } from "../printing.js";
import { withManagerApproval } from "./approval.js";
import { METHOD_LABEL } from "../vocab.js";


export function shiftOpenScreen(app) {
  let digits = "";
  const message = messageLine("shift-open-message");
  const display = h("div", { class: "amount-display", testid: "float-amount" }, format(0));
  const pad = keypad({ extra: "000", testid: "float-keypad", maxLength: 10,
    onChange: (value) => { digits = value; display.textContent = format(fromKeypadDigits(digits)); } });
  const submit = h("button", { type: "button", class: "btn btn-primary btn-lg btn-block", testid: "shift-open-submit",
    onClick: async () => {
      submit.disabled = true;
      message.set(null);
      try {
        state.shift = await app.api.post("/api/shifts/open/", { opening_cash: toWire(fromKeypadDigits(digits)) });
        toast(`Shift open on till ${state.terminal} with ${format(state.shift.opening_cash)} in the drawer.`, "ok");
        app.show("sell");
      } catch (error) {
        message.set(error.message);
        if (error.code === "SHIFT_ALREADY_OPEN") await app.loadShift();
      } finally {
        submit.disabled = false;
      }
    } }, "Open shift");
  const el = h("section", { class: "centered", testid: "shift-open-screen" },
    h("div", { class: "card narrow" },
      h("h1", {}, `Open a shift on till ${state.terminal}`),
      h("p", { class: "muted" }, "Count the cash float in the drawer and enter it."),
      display, pad.el, submit, message.el,
      h("p", { class: "muted small" }, "You can add products to a sale before opening; payment needs an open shift."),
      h("button", { type: "button", class: "btn btn-ghost", onClick: () => app.show("sell") }, "Not now")));
  return { el };
}

/** Per-method figures of a report, filling in what a report stored before refunds were
 *  netted lacks (collected = payments - refunds). */
function collectedOf(report, m) {
  if (report.collected && report.collected[m] !== undefined) return toMinor(report.collected[m]);
  return toMinor(report.payments[m].amount) - toMinor(report.refunds[m].amount);
}

function totalsOf(report) {
  const methods = Object.keys(report.payments);
  const payments = methods.reduce((sum, m) => sum + toMinor(report.payments[m].amount), 0);
  const refunds = methods.reduce((sum, m) => sum + toMinor(report.refunds[m].amount), 0);
  return { payments, refunds, collected: payments - refunds };
}

function counted(report, m) {
  const value = report.counted ? report.counted[m] : null;
  return value === null || value === undefined ? null : value;
}

/** A report (X or Z) as tables; every figure carries its wire value in data-value. */
export function reportView(report, { z = false } = {}) {
  const o = report.orders;
  const totals = totalsOf(report);
  const methods = Object.keys(report.expected).filter((m) => m === "cash" || m === "card"
    || toMinor(report.expected[m]) || (report.payments[m] && report.payments[m].count)
    || (report.refunds[m] && report.refunds[m].count) || counted(report, m) !== null);
  const money = (testid, value) => h("td", { class: "num", testid, dataset: { value: toWire(toMinor(value)) } },
    format(value));
  const meta = h("p", { class: "muted" }, `Shift ${report.shift_id} · till ${report.terminal} · opened ${fmtDateTime(report.opened_at)}`
    + (report.closed_at ? ` · closed ${fmtDateTime(report.closed_at)}` : ""));
  const cols = h("div", { class: "report-cols" },
    h("table", {},
      h("caption", {}, "Sales"),
      h("tr", {}, h("th", {}, "Orders"), h("td", { class: "num", testid: "r-orders-count", dataset: { value: String(o.count) } },
        String(o.count))),
      h("tr", {}, h("th", {}, "Cancelled"), h("td", { class: "num", testid: "r-orders-cancelled",
        dataset: { value: String(o.cancelled) } }, String(o.cancelled))),
      h("tr", {}, h("th", {}, "Subtotal"), money("r-subtotal", o.subtotal)),
      h("tr", {}, h("th", {}, "Discounts"), money("r-discounts", o.discounts)),
      h("tr", {}, h("th", {}, "Service charge"), money("r-service", o.service_charge)),
      h("tr", {}, h("th", {}, "Tax"), money("r-tax", o.tax)),
      h("tr", {}, h("th", {}, "Rounding"), money("r-rounding", o.rounding)),
      h("tr", { class: "strong" }, h("th", {}, "Total sales"), money("r-total", o.total)),
      h("tr", {}, h("th", {}, "Voided"), money("r-voided", o.voided)),
      h("tr", {}, h("th", {}, "Payments taken"), money("r-payments-total", totals.payments)),
      h("tr", {}, h("th", {}, "Refunds"), h("td", { class: "num", testid: "r-refunds-total",
        dataset: { value: toWire(totals.refunds) } }, totals.refunds ? `−${format(totals.refunds)}` : format(0))),
      h("tr", { class: "strong" }, h("th", {}, "Total collected"), money("r-collected-total", totals.collected))),
    h("table", {},
      h("caption", {}, "Cash drawer"),
      h("tr", {}, h("th", {}, "Opening float"), money("r-opening", report.opening_cash)),
      h("tr", {}, h("th", {}, "Cash in"), money("r-cash-in", report.cash_in)),
      h("tr", {}, h("th", {}, "Cash out"), money("r-cash-out", report.cash_out)),
      h("tr", {}, h("th", {}, "Cash sales"), money("r-pay-cash", report.payments.cash.amount)),
      h("tr", {}, h("th", {}, "Cash refunds"), money("r-refund-cash", report.refunds.cash.amount)),
      h("tr", { class: "strong" }, h("th", {}, "Expected cash"), money("r-drawer-cash", report.expected.cash))));
  const differenceCell = (m) => {
    const value = report.difference ? report.difference[m] : null;
    if (value === null || value === undefined) return h("td", { class: "num muted", testid: `r-difference-${m}` }, "—");
    const minor = toMinor(value);
    return h("td", { class: `num ${minor < 0 ? "short" : minor > 0 ? "over" : ""}`, testid: `r-difference-${m}`,
      dataset: { value } }, minor > 0 ? `+${format(value)}` : format(value));
  };
  const methodsTable = h("table", { class: "wide" },
    h("caption", {}, z ? "Expected vs counted" : "Takings by method"),
    h("tr", {}, h("th", {}, "Method"), h("th", { class: "num" }, "Payments"), h("th", { class: "num" }, "Refunds"),
      h("th", { class: "num" }, "Net"), h("th", { class: "num" }, "Expected"),
      z ? h("th", { class: "num" }, "Counted") : null, z ? h("th", { class: "num" }, "Difference") : null),
    methods.map((m) => h("tr", { dataset: { method: m } },
      h("th", {}, METHOD_LABEL[m] || m),
      h("td", { class: "num", testid: `r-payments-${m}`, dataset: { value: report.payments[m].amount } },
        `${report.payments[m].count} · ${format(report.payments[m].amount)}`),
      h("td", { class: "num", testid: `r-refunds-${m}`, dataset: { value: report.refunds[m].amount } },
        toMinor(report.refunds[m].amount) ? `−${format(report.refunds[m].amount)}` : format(0)),
      money(`r-net-${m}`, collectedOf(report, m)),
      money(`r-expected-${m}`, report.expected[m]),
      z ? (counted(report, m) === null
        ? h("td", { class: "num muted", testid: `r-counted-${m}` }, "not counted")
        : money(`r-counted-${m}`, counted(report, m))) : null,
      z ? differenceCell(m) : null)));
  return h("div", { class: "report", testid: z ? "z-report" : "x-report" },
    meta, z ? [methodsTable, cols] : [cols, methodsTable]);
}

/** Orders listed by number with their status (and what is still due). */
function orderList(orders, testid) {
  return h("ul", { class: "close-orders", testid }, orders.map((o) => h("li", {},
    h("strong", {}, o.order_number), ` · ${STATUS_LABEL[o.status] || o.status}`,
    toMinor(o.balance_due || "0") > 0 ? ` · ${format(o.balance_due)} to pay` : null)));
}

const STATUS_LABEL = { draft: "draft", pending: "waiting to pay", confirmed: "in the kitchen", preparing: "preparing",
  ready: "ready", served: "served", completed: "completed" };

/**
 * Close the shift, after showing expected, counted and the difference and asking to
 * confirm: unpaid orders block it, paid orders the kitchen still has are listed, and a
 * difference above the outlet's limit goes to a manager. Resolves with the Z report, or
 * null when the cashier goes back.
 */
function confirmClose(app, shift, countedCash) {
  return new Promise((resolve) => {
    let settled = false;
    const dialog = modal({ title: "Close the shift?", testid: "close-dialog", className: "close-dialog",
      onClose: () => { if (!settled) resolve(null); } });
    const message = messageLine("close-message");
    const card = h("input", { class: "input", inputmode: "numeric", autocomplete: "off", maxlength: "12",
      placeholder: "Card slips total (optional)", testid: "close-card", "aria-label": "Card slips total" });
    const limit = state.outlet && state.outlet.shift_difference_limit ? toMinor(state.outlet.shift_difference_limit)
      : null;
    let report = null;
    let busy = false;

    const finish = (z) => { settled = true; dialog.close(); resolve(z); };

    async function submit(token) {
      if (busy) return;
      busy = true;
      dialog.el.classList.add("busy");
      message.set(null);
      const body = { counted_cash: toWire(countedCash), expected_cash: report.expected.cash };
      if (card.value.replace(/\D/g, "")) body.counted_card = toWire(fromKeypadDigits(card.value.replace(/\D/g, "")));
      try {
        const answer = await app.api.post(`/api/shifts/${shift.id}/close/`, body, token ? { auth: token } : {});
        finish(answer.report);
      } catch (error) {
        if (error.code === "MANAGER_APPROVAL_REQUIRED" && !token) {
          askManager(error.message);
        } else if (error.code === "EXPECTED_CHANGED") {
          message.set("A sale or refund changed the drawer while this was open; here are the figures now.");
          await load();
        } else {
          message.set(error.message);
        }
      } finally {
        busy = false;
        dialog.el.classList.remove("busy");
      }
    }

    async function askManager(reason) {
      const z = await withManagerApproval(app, {
        title: "Manager approval: close the shift",
        explain: `${reason || "The count is far from the expected figure."} A manager checks the drawer and enters `
          + "their PIN to close the shift with this count.",
        action: async (token) => (await app.api.post(`/api/shifts/${shift.id}/close/`,
          { counted_cash: toWire(countedCash), expected_cash: report.expected.cash,
            ...(card.value.replace(/\D/g, "") ? { counted_card: toWire(fromKeypadDigits(card.value.replace(/\D/g, ""))) }
              : {}) }, { auth: token })).report,
      });
      if (z) finish(z);
    }

    function render() {
      const expected = toMinor(report.expected.cash);
      const difference = countedCash - expected;
      const tooFar = limit !== null && Math.abs(difference) > limit;
      const blocked = report.unpaid && report.unpaid.length > 0;
      const figure = (label, value, testid, className = "") => h("div", { class: `close-figure ${className}`, testid },
        h("span", {}, label), h("strong", { dataset: { value: toWire(value) } },
          testid === "close-difference" && value > 0 ? `+${format(value)}` : format(value)));
      const confirm = h("button", { type: "button", class: `btn btn-lg ${tooFar ? "btn-danger" : "btn-primary"}`,
        testid: "close-confirm", disabled: blocked,
        onClick: () => (tooFar ? askManager(null) : submit(null)) },
      tooFar ? "Ask a manager to approve" : "Close the shift");
      replace(dialog.body,
        h("div", { class: "close-figures" },
          figure("Expected cash", expected, "close-expected"),
          figure("Counted cash", countedCash, "close-counted"),
          figure("Difference", difference, "close-difference",
            difference < 0 ? "short" : difference > 0 ? "over" : "even")),
        tooFar ? h("p", { class: "message message-error", testid: "close-needs-manager" },
          `The difference is more than ${format(limit)}. Count the drawer again; if the count is right, `
          + "a manager must approve it.") : null,
        h("label", { class: "field" }, h("span", {}, "Card slips total (leave empty if not counted)"), card),
        blocked ? [h("p", { class: "message message-error", testid: "close-unpaid" },
          "These orders are not paid: take payment or cancel them before closing."),
        orderList(report.unpaid, "close-unpaid-list")] : null,
        report.in_kitchen && report.in_kitchen.length ? [h("p", { class: "message message-info",
          testid: "close-in-kitchen" }, "Paid orders the kitchen still has (they stay on the kitchen screens):"),
        orderList(report.in_kitchen, "close-in-kitchen-list")] : null,
        message.el,
        h("div", { class: "row-end" },
          h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "close-back",
            onClick: () => dialog.close() }, "Count again"),
          confirm));
    }

    async function load() {
      try {
        report = (await app.api.get(`/api/shifts/${shift.id}/report/`)).report;
        render();
      } catch (error) {
        replace(dialog.body, message.el);
        message.set(error.message);
      }
    }

    replace(dialog.body, h("p", { class: "muted" }, "Checking the figures…"));
    load();
  });
}

export function shiftScreen(app) {
  const el = h("section", { class: "shift-screen", testid: "shift-screen" });
  const message = messageLine("shift-message");
  const xBox = h("div", {});
  let counted = "";
  let movementDigits = "";
  let movementKind = "in";

  async function loadReport() {
    try {
      const { report } = await app.api.get(`/api/shifts/${state.shift.id}/report/`);
      replace(xBox, h("h2", {}, "So far (X report)"), reportView(report));
    } catch (error) {
      message.set(error.message);
    }
  }

  function renderOpen() {
    const countedDisplay = h("div", { class: "amount-display", testid: "counted-cash" }, format(fromKeypadDigits(counted)));
    const countedPad = keypad({ extra: "000", testid: "counted-keypad", maxLength: 10, initial: counted,
      onChange: (value) => { counted = value; countedDisplay.textContent = format(fromKeypadDigits(counted)); } });
    const movementDisplay = h("div", { class: "amount-display small", testid: "movement-amount" },
      format(fromKeypadDigits(movementDigits)));
    const movementPad = keypad({ extra: "000", testid: "movement-keypad", maxLength: 10, initial: movementDigits,
      onChange: (value) => { movementDigits = value; movementDisplay.textContent = format(fromKeypadDigits(value)); } });
    const movementReason = h("input", { class: "input", maxlength: "500", placeholder: "Reason (e.g. change from the bank)",
      testid: "movement-reason", "aria-label": "Reason" });
    const movementMessage = messageLine("movement-message");
    const kindTab = (kind, text) => h("button", { type: "button", class: `tab${movementKind === kind ? " active" : ""}`,
      testid: `movement-${kind}`, onClick: () => { movementKind = kind; renderOpen(); } }, text);
    const closeButton = h("button", { type: "button", class: "btn btn-danger btn-lg btn-block", testid: "shift-close-submit",
      onClick: closeShift }, "Close shift");

    async function addMovement() {
      movementMessage.set(null);
      try {
        await app.api.post(`/api/shifts/${state.shift.id}/cash-movements/`, { kind: movementKind,
          amount: toWire(fromKeypadDigits(movementDigits)), reason: movementReason.value.trim() });
        toast(`Cash ${movementKind === "in" ? "in" : "out"}: ${format(fromKeypadDigits(movementDigits))}`, "ok");
        movementDigits = "";
        renderOpen();
        loadReport();
      } catch (error) {
        movementMessage.set(error.message);
      }
    }

    const drawerReason = h("input", { class: "input", maxlength: "200", placeholder: "Why (e.g. change for a customer)",
      testid: "drawer-reason", "aria-label": "Why the drawer is opened" });
    const drawerMessage = messageLine("drawer-message");

    // Opening the drawer without a sale is recorded with who and why (the audit trail).
    async function openDrawer() {
      drawerMessage.set(null);
      try {
        await app.api.post(`/api/shifts/${state.shift.id}/drawer/`, { reason: drawerReason.value.trim() });
        drawerReason.value = "";
        toast("Drawer opened (recorded)", "ok");
      } catch (error) {
        drawerMessage.set(error.message);
      }
    }

    async function closeShift() {
      if (!counted) {
        message.set("Count the cash in the drawer and enter it first.");
        return;
      }
      closeButton.disabled = true;
      message.set(null);
      try {
        const closed = state.shift;
        const report = await confirmClose(app, closed, fromKeypadDigits(counted));
        if (!report) return;
        state.shift = null;
        counted = "";
        renderClosed(closed, report);
        app.refreshStatus();
      } finally {
        closeButton.disabled = false;
      }
    }

    replace(el,
      h("div", { class: "shift-main" },
        h("h1", {}, `Shift on till ${state.terminal}`,
          h("small", {}, ` opened ${fmtDateTime(state.shift.opened_at)} with ${format(state.shift.opening_cash)}`)),
        xBox),
      h("div", { class: "shift-side" },
        h("div", { class: "card" },
          h("h2", {}, "Close the shift"),
          h("p", { class: "muted small" }, "Count the cash in the drawer (float included)."),
          countedDisplay, countedPad.el, closeButton, message.el),
        h("div", { class: "card" },
          h("h2", {}, "Cash in / out"),
          h("div", { class: "tabs" }, kindTab("in", "Cash in"), kindTab("out", "Cash out")),
          movementDisplay, movementPad.el, movementReason,
          h("button", { type: "button", class: "btn btn-secondary btn-block", testid: "movement-submit",
            onClick: addMovement }, "Record"), movementMessage.el),
        h("div", { class: "card" },
          h("h2", {}, "Open the drawer (no sale)"),
          drawerReason,
          h("button", { type: "button", class: "btn btn-secondary btn-block", testid: "drawer-open-submit",
            onClick: openDrawer }, "Open drawer"), drawerMessage.el)));
    if (!xBox.childNodes.length) loadReport();
  }

  function renderClosed(shift, report) {
    const printMessage = h("p", { class: "print-message", testid: "z-print-message" });
    replace(el, h("div", { class: "shift-main wide" },
      h("h1", { testid: "z-title" }, "Shift closed · Z report"),
      reportView(report, { z: true }),
      h("div", { class: "row-center" },
        h("button", { type: "button", class: "btn btn-secondary btn-lg", testid: "z-print", onClick: async () => {
          const outcome = await printShiftReport(app.api, shift.id);
          printMessage.textContent = outcome.message;
          printMessage.className = `print-message ${outcome.ok ? "ok" : "error"}`;
        } }, hasPrinter("receipt") ? "Print Z report again" : "Print Z report"),
        h("button", { type: "button", class: "btn btn-primary btn-lg", testid: "z-done",
          onClick: () => app.lock("Shift closed. Sign in to open the next one.") }, "Sign out")),
      printMessage));
    if (state.features.shiftPrint && hasPrinter("receipt")) printMessage.textContent = "The Z report is printing.";
  }

  if (state.shift) renderOpen();
  else {
    replace(el, h("div", { class: "card narrow" }, h("h1", {}, "No shift is open on this till"),
      h("button", { type: "button", class: "btn btn-primary btn-lg", onClick: () => app.show("shift-open") },
        "Open a shift")));
  }
  return { el };
}
