// The screen facing the customer at one till (/kiosk/customer-display?terminal=N): the QR
// that till waits on, with the amount, then "Paid". Staff sign it in once (kept in this
// browser). It long-polls GET /api/payments/display/ with the fingerprint it shows, so a
// new QR or a settlement appears as soon as the edge knows it.

import { createApi } from "./api.js";
import { h, replace } from "./dom.js";
import { format, setCurrency } from "./money.js";

const LONG_POLL_S = 20;
const PAID_SHOWN_MS = 10000; // then back to the welcome screen
const SESSION_KEY = "display:session";
const screen = document.getElementById("display");
const asked = new URLSearchParams(window.location.search).get("terminal");
const terminal = asked && /^\d{1,2}$/.test(asked) && Number(asked) >= 1 ? Number(asked) : 1;

let session = read();
let outletName = "";
let since = null;
let hideTimer = null;
let countdown = null;

function read() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function save(value) {
  session = value;
  try {
    if (value) localStorage.setItem(SESSION_KEY, JSON.stringify(value));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // storage disabled: sign in again after a reload
  }
}

const api = createApi({ token: () => (session ? session.access : null), terminal: () => terminal,
  timeoutMs: 10000 });

function show(state, ...children) {
  clearInterval(countdown);
  screen.dataset.state = state;
  replace(screen, ...children);
}

function welcome() {
  show("idle", h("h1", { class: "display-title" }, outletName || "Welcome"),
    h("p", { class: "muted display-note" }, `Till ${terminal}`));
}

async function drawQr(current) {
  const image = h("img", { class: "qr-image display-qr", testid: "display-qr", alt: "QRIS code to scan",
    width: "320", height: "320", hidden: true });
  const expiry = h("p", { class: "muted", testid: "display-expiry" });
  show("pending",
    h("p", { class: "display-note" }, `Order ${current.order_number}`),
    h("h1", { class: "display-amount", testid: "display-amount" }, format(current.amount)),
    current.qr_string ? image : h("p", { class: "display-note" }, "Confirm the payment in your e-wallet app"),
    current.qr_string ? h("p", { class: "display-note" }, "Scan with any QRIS app to pay") : null,
    expiry);
  if (current.expires_at) {
    const tick = () => {
      const left = Math.max(0, Math.round((Date.parse(current.expires_at) - Date.now()) / 1000));
      expiry.textContent = `The code expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    };
    tick();
    countdown = setInterval(tick, 1000);
  }
  if (current.qr_string) {
    try {
      const svg = await api.get(`/api/payments/${current.payment_id}/qr.svg`, { as: "text" });
      image.src = `data:image/svg+xml;base64,${btoa(svg)}`;
      image.hidden = false;
    } catch {
      // the till shows the code too
    }
  }
}

function render(current) {
  clearTimeout(hideTimer);
  if (current.state === "pending") {
    drawQr(current);
  } else if (current.state === "paid" && since !== null) {
    show("paid", h("div", { class: "done-mark" }, "✓"),
      h("h1", { class: "display-title", testid: "display-paid" }, "Paid, thank you!"),
      h("p", { class: "display-note" }, `${format(current.amount)} · order ${current.order_number}`));
    hideTimer = setTimeout(welcome, PAID_SHOWN_MS);
  } else if (current.state === "ended" && since !== null) {
    show("ended", h("h1", { class: "display-title" }, "This code is no longer valid"),
      h("p", { class: "display-note" }, "Please ask the cashier"));
    hideTimer = setTimeout(welcome, PAID_SHOWN_MS / 2);
  } else {
    welcome(); // nothing waiting (or a settlement from before this screen opened)
  }
}

function signIn(note = "") {
  const username = h("input", { class: "input", autocomplete: "off", autocapitalize: "none", placeholder: "Username",
    testid: "display-username" });
  const secret = h("input", { class: "input", type: "password", autocomplete: "off", placeholder: "PIN or password",
    testid: "display-secret" });
  const message = h("p", { class: "error", role: "alert" }, note);
  const form = h("form", { class: "card narrow", testid: "display-login", onSubmit: async (event) => {
    event.preventDefault();
    const value = secret.value;
    const body = /^\d{4,6}$/.test(value) ? { username: username.value.trim(), pin: value }
      : { username: username.value.trim(), password: value };
    try {
      save(await api.post("/api/auth/login/", body, { auth: null }));
      start();
    } catch (error) {
      message.textContent = error.message;
    }
  } }, h("h1", {}, `Customer display · till ${terminal}`),
  h("p", { class: "muted" }, "Staff: sign in once to open this screen."), username, secret,
  h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "display-submit" }, "Open"), message);
  show("locked", form);
  username.focus();
}

async function start() {
  try {
    const outlet = await api.get("/api/outlet/");
    setCurrency(outlet.currency);
    outletName = outlet.tenant_name;
  } catch (error) {
    if (error.status === 401) {
      save(null);
      signIn("Please sign in again.");
      return;
    }
  }
  since = null;
  loop();
}

async function loop() {
  for (;;) {
    const began = performance.now();
    try {
      const current = await api.get("/api/payments/display/", { query: { terminal, since: since ?? undefined,
        wait: since === null ? 0 : LONG_POLL_S }, timeout: (LONG_POLL_S + 10) * 1000 });
      if (current.fingerprint !== since) render(current);
      since = current.fingerprint;
    } catch (error) {
      if (error.status === 401) {
        save(null);
        signIn("Please sign in again.");
        return;
      }
    }
    // an answer that came back at once (the edge restarting, a network blip) waits a moment
    const spent = performance.now() - began;
    if (spent < 1000) await new Promise((resolve) => { setTimeout(resolve, 1000 - spent); });
  }
}

if (session) start();
else signIn();
