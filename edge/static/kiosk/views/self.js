// Self-order mode (/kiosk/?mode=self): customer-facing, large touch targets, no refunds
// or shift controls. The order is created as pending, to pay at the counter, or by QRIS
// when the outlet is online.

import { format, toMinor } from "../money.js";
import { h, messageLine, modal, replace } from "../dom.js";
import { resetCart, saveCart, state } from "../store.js";
import { loginForm } from "./login.js";
import { LONG_POLL_S, ensureOrder } from "./payment.js";
import { currentQuote } from "./sell.js";

export function selfWelcomeScreen(app) {
  const name = state.outlet ? state.outlet.tenant_name : "Welcome";
  if (!state.session) {
    const form = loginForm({ api: app.api, testid: "login", submitLabel: "Open the kiosk",
      onSignedIn: (tokens) => app.signedIn(tokens) });
    setTimeout(() => form.focus(), 0);
    return { el: h("section", { class: "centered self-welcome", testid: "self-locked" },
      h("div", { class: "card narrow" }, h("h1", {}, "Self-order kiosk"),
        h("p", { class: "muted" }, "Staff: sign in once to open this kiosk for customers."), form.el)) };
  }
  return { el: h("section", { class: "centered self-welcome", testid: "self-welcome" },
    h("h1", { class: "self-brand" }, name),
    h("button", { type: "button", class: "btn btn-primary btn-huge", testid: "self-start",
      onClick: () => app.show("self-menu") }, "Touch to order"),
    h("p", { class: "muted" }, "Order here, then pay at the counter",
      state.status && state.status.cloud && state.status.cloud.online ? " or with QRIS." : "."),
    h("button", { type: "button", class: "btn btn-ghost staff-corner", testid: "self-staff",
      onClick: () => openStaffDialog(app) }, "Staff")) };
}

function openStaffDialog(app) {
  const dialog = modal({ title: "Staff", testid: "staff-dialog" });
  const form = loginForm({ api: app.api, testid: "staff", submitLabel: "Continue", onSignedIn: (tokens) => {
    app.api.post("/api/auth/logout/", { refresh: tokens.refresh }, { auth: tokens.access }).catch(() => {});
    replace(dialog.body, h("div", { class: "row-center" },
      h("button", { type: "button", class: "btn btn-danger btn-lg", testid: "self-signout", onClick: () => {
        dialog.close();
        resetCart();
        app.signOut("The kiosk was signed out by staff.");
      } }, "Sign the kiosk out"),
      h("a", { class: "btn btn-secondary btn-lg", href: "/kiosk/" }, "Open the cashier till")));
  } });
  replace(dialog.body, form.el);
  form.focus();
}

export function openSelfCheckout(app) {
  const dialog = modal({ title: "Almost done", testid: "self-checkout", className: "self-checkout large" });
  const message = messageLine("self-message");
  const online = Boolean(state.status && state.status.cloud && state.status.cloud.online);
  const nameInput = h("input", { class: "input input-lg", maxlength: "120", autocomplete: "off",
    placeholder: "Your name, so we can call you", testid: "self-name", "aria-label": "Your name" });
  nameInput.value = state.cart.customerName;
  const tableInput = h("input", { class: "input input-lg", maxlength: "40", autocomplete: "off",
    placeholder: "Table number (if you have one)", testid: "self-table", "aria-label": "Table number" });
  tableInput.value = state.cart.table;
  const q = currentQuote();
  let busy = false;

  async function place(withQris) {
    if (busy) return;
    if (!nameInput.value.trim()) {
      message.set("Please enter your name.");
      nameInput.focus();
      return;
    }
    state.cart.customerName = nameInput.value.trim();
    state.cart.table = tableInput.value.trim();
    saveCart();
    busy = true;
    dialog.el.classList.add("busy");
    message.set(null);
    try {
      const order = await ensureOrder(app, { status: "pending" });
      if (withQris) {
        try {
          const payment = await app.api.post("/api/payments/", { order_id: order.id, method: "qris" });
          if (payment.status === "paid") {
            done(order, "Paid. Thank you!");
            return;
          }
          waitForQris(order, payment);
          return;
        } catch (error) {
          message.set(`${error.message.replace(/\.?$/, ".")} Your order ${order.order_number} is saved: you can pay at the counter.`);
          return;
        }
      }
      done(order, "Please pay at the counter.");
    } catch (error) {
      message.set(error.message);
    } finally {
      busy = false;
      dialog.el.classList.remove("busy");
    }
  }

  /** The customer scans the code with their banking or e-wallet app; the order is theirs
   * once the gateway says so. An expired or withdrawn code: pay at the counter. Long-polls
   * the edge (`?wait=`, which long-polls the cloud) as the cashier's view does: asked again
   * at once when it answers "still pending" after the wait, at most once a second when an
   * answer comes back at once (the cloud out of reach). */
  function waitForQris(order, payment) {
    const image = h("img", { class: "qr-image", testid: "self-qr-image", alt: "QRIS code to scan", width: "280",
      height: "280", hidden: true });
    const note = h("p", { class: "gateway-state", testid: "self-qr-state", role: "status" },
      "Scan this code with your banking or e-wallet app");
    replace(dialog.body, h("p", { class: "self-total" }, `Total ${format(payment.amount)}`), image, note, message.el);
    app.api.get(`/api/payments/${payment.id}/qr.svg`, { as: "text" }).then((svg) => {
      image.src = `data:image/svg+xml;base64,${btoa(svg)}`;
      image.hidden = false;
    }).catch((error) => message.set(error.message));
    const poll = async () => {
      if (dialog.closed) return;
      const began = performance.now();
      try {
        const current = await app.api.get(`/api/payments/${payment.id}/`, { query: { wait: LONG_POLL_S },
          timeout: (LONG_POLL_S + 10) * 1000 });
        if (dialog.closed) return;
        if (current.status === "paid") return done(order, "Paid. Thank you!");
        if (current.status !== "pending") {
          note.textContent = `The QRIS payment ${current.status === "expired" ? "expired" : "did not go through"}. `
            + `Your order ${order.order_number} is saved: please pay at the counter.`;
          setTimeout(() => { if (!dialog.closed) done(order, "Please pay at the counter."); }, 5000);
          return;
        }
      } catch {
        // the outlet server did not answer this time: ask again
      }
      setTimeout(poll, Math.max(0, 1000 - (performance.now() - began)));
    };
    poll();
  }

  function done(order, text) {
    dialog.close();
    resetCart();
    app.show("self-done", { order, text });
  }

  replace(dialog.body,
    h("p", { class: "self-total", testid: "self-total" }, q ? `Total ${format(q.total_amount)}` : ""),
    nameInput, tableInput,
    h("div", { class: "self-pay" },
      h("button", { type: "button", class: "btn btn-primary btn-huge", testid: "self-pay-counter",
        onClick: () => place(false) }, "Pay at the counter"),
      h("button", { type: "button", class: "btn btn-secondary btn-huge", testid: "self-pay-qris", disabled: !online,
        onClick: () => place(true) }, "Pay now with QRIS")),
    online ? null : h("p", { class: "muted", testid: "self-qris-reason" },
      "QRIS needs the internet, and the restaurant is offline right now. Please pay at the counter."),
    message.el);
  nameInput.focus();
}

export function selfDoneScreen(app, { order, text }) {
  const back = setTimeout(() => app.show("self-welcome"), 30000);
  return {
    el: h("section", { class: "centered self-done", testid: "self-done" },
      h("p", { class: "muted" }, "Your order number"),
      h("h1", { class: "self-number", testid: "self-order-number" }, order.order_number),
      h("p", { class: "self-amount" }, `${format(order.balance_due)} to pay`),
      h("p", { class: "self-text", testid: "self-done-text" }, text),
      toMinor(order.balance_due) === 0 ? null : h("p", { class: "muted" }, "Show this number to the cashier."),
      h("button", { type: "button", class: "btn btn-primary btn-huge", testid: "self-new",
        onClick: () => app.show("self-welcome") }, "Start a new order")),
    destroy: () => clearTimeout(back),
  };
}
