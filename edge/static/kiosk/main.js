// The kiosk shell: sign-in and lock, screens, the status bar poll, the menu, the idle
// lock and the barcode scanner. Views live in ./views/, state in ./store.js.

import { createApi } from "./api.js";
import { closeAllModals, h, replace, setTimeZone, toast } from "./dom.js";
import { setCurrency } from "./money.js";
import { detectFeatures } from "./printing.js";
import { emit, on, rememberUser, resetCart, setOutlet, setSession, settings, state } from "./store.js";
import { loginForm } from "./views/login.js";
import { ordersScreen } from "./views/orders.js";
import { checkout, sendToKitchenPayLater } from "./views/payment.js";
import { openSelfCheckout, selfDoneScreen, selfWelcomeScreen } from "./views/self.js";
import { addByCode, requestQuote, sellScreen } from "./views/sell.js";
import { shiftOpenScreen, shiftScreen } from "./views/shift.js";
import { renderStatusBar } from "./views/statusbar.js";
import { installScanner } from "./scanner.js";
import { connectLive } from "./live.js";
import { openSoldOutDialog } from "./views/soldout.js";
import { stockScreen } from "./views/stock.js";

const screenEl = document.getElementById("screen");
const topbar = document.getElementById("topbar");
const statusbar = document.getElementById("statusbar");
const isSelf = settings.mode === "self";
const STOCK_KEEPERS = ["stockkeeper", "manager", "tenant_owner"]; // who sees the back office's stock screen
const STOCK_ONLY = ["stockkeeper"]; // cannot sell: the stock screen is all they get

function role() {
  return state.session && state.session.user ? state.session.user.role : null;
}

let current = null; // {name, view}
let lockNote = "";
let lastActivity = Date.now();

const api = createApi({
  token: () => (state.session ? state.session.access : null),
  terminal: () => state.terminal,
  timeoutMs: settings.requestTimeoutS * 1000,
  onAuthLost: (error) => {
    if (state.session) signOut(`Signed out: ${error.message}. Sign in again; the sale in progress is kept.`, false);
  },
});

if (state.outlet) {
  setCurrency(state.outlet.currency);
  setTimeZone(state.outlet.timezone);
}

// --- the app object the views use ---------------------------------------------------------

const app = {
  api,
  show,
  busy(on) { document.body.classList.toggle("busy", on); },
  refreshStatus: () => refreshStatus(),
  emitQuote: () => emit("quote"),
  checkout: () => (isSelf ? openSelfCheckout(app) : checkout(app)),
  sendToKitchenPayLater: () => sendToKitchenPayLater(app),
  lock: (note) => signOut(note || "Locked. The sale in progress is kept."),
  signOut: (note) => signOut(note),
  signedIn,
  loadShift,
  loadMenu: () => loadMenu(),
  // under a zero-stock rule that warns or blocks, a sale may have taken an item to zero:
  // the grid shows it at once rather than at the next periodic refresh
  menuAfterSale: () => {
    if (state.outlet && state.outlet.zero_stock && state.outlet.zero_stock !== "allow") loadMenu();
  },
};
window.kiosk = { state, settings }; // for support staff in the browser console

// --- screens ----------------------------------------------------------------------------

const SCREENS = {
  login: () => loginScreen(),
  "shift-open": () => shiftOpenScreen(app),
  sell: () => sellScreen(app),
  orders: () => ordersScreen(app),
  shift: () => shiftScreen(app),
  stock: () => stockScreen(app),
  "self-welcome": () => selfWelcomeScreen(app),
  "self-menu": () => sellScreen(app, { large: true }),
  "self-done": (args) => selfDoneScreen(app, args),
};

function show(name, args) {
  if (current && current.view.destroy) current.view.destroy();
  closeAllModals();
  const view = SCREENS[name](args);
  current = { name, view };
  replace(screenEl, view.el);
  screenEl.dataset.screen = name;
  renderTopbar();
  if (view.focusSearch && !isSelf) view.focusSearch();
}

function renderTopbar() {
  const signedIn = Boolean(state.session);
  topbar.hidden = !signedIn || (isSelf && current && current.name !== "self-menu");
  if (topbar.hidden) return;
  const brand = h("div", { class: "brand" },
    h("strong", {}, state.outlet ? state.outlet.tenant_name : "POS"),
    h("span", {}, state.outlet ? `${state.outlet.outlet_name} · Till ${state.terminal}` : `Till ${state.terminal}`));
  if (isSelf) {
    replace(topbar, brand, h("div", { class: "nav" },
      h("button", { type: "button", class: "btn btn-ghost btn-lg", testid: "self-back",
        onClick: () => show("self-welcome") }, "← Start over")));
    return;
  }
  const nav = (name, text) => h("button", { type: "button", class: `nav-btn${current && current.name === name ? " active" : ""}`,
    testid: `nav-${name}`, onClick: () => (name === "shift" && !state.shift ? show("shift-open") : show(name)) }, text);
  const user = state.session.user;
  const stock = STOCK_KEEPERS.includes(role()) ? nav("stock", "Stock") : null;
  replace(topbar, brand,
    STOCK_ONLY.includes(role()) ? h("nav", { class: "nav" }, stock)
      : h("nav", { class: "nav" }, nav("sell", "Sell"), nav("orders", "Orders"),
        nav("shift", state.shift ? "Shift" : "Open shift"),
        h("button", { type: "button", class: "nav-btn", testid: "nav-86", title: "Mark items sold out or back on sale",
          onClick: () => openSoldOutDialog(app) }, "86"), stock),
    h("div", { class: "who" },
      h("span", { testid: "current-user" }, user.full_name || user.username),
      h("button", { type: "button", class: "btn btn-secondary", testid: "switch-user",
        onClick: () => signOut("Switch cashier: the next cashier signs in. The sale in progress is kept.") }, "Switch"),
      h("button", { type: "button", class: "btn btn-secondary", testid: "lock", onClick: () => app.lock() }, "Lock")));
}

function loginScreen() {
  const form = loginForm({ api, onSignedIn: signedIn, alsoRoles: STOCK_ONLY }); // a stockkeeper: the stock screen
  const items = state.cart.lines.reduce((sum, line) => sum + line.quantity, 0);
  setTimeout(() => form.focus(), 0);
  return {
    el: h("section", { class: "login-screen", testid: "login-screen" },
      h("div", { class: "login-brand" },
        h("h1", {}, state.outlet ? state.outlet.tenant_name : "Point of sale"),
        h("p", {}, state.outlet ? `${state.outlet.outlet_name} · Till ${state.terminal}` : `Till ${state.terminal}`),
        lockNote ? h("p", { class: "lock-note", testid: "lock-note" }, lockNote) : null,
        items ? h("p", { class: "lock-note", testid: "kept-sale" }, `A sale with ${items} item${items === 1 ? "" : "s"} is waiting.`)
          : null),
      h("div", { class: "card login-card" }, h("h2", {}, "Sign in"), form.el)),
  };
}

// --- signing in and out ---------------------------------------------------------------------

async function signedIn(tokens) {
  setSession(tokens);
  rememberUser(tokens.user);
  lockNote = "";
  lastActivity = Date.now();
  connectLive({ reloadMenu: loadMenu });
  const stockOnly = STOCK_ONLY.includes(role());
  await Promise.allSettled([loadOutlet(), loadMenu(), stockOnly ? null : loadShift(), detectFeatures(api)]);
  refreshStatus();
  if (isSelf) show("self-welcome");
  else if (stockOnly) show("stock");
  else show(state.shift ? "sell" : "shift-open");
  requestQuote(app, 0);
}

function signOut(note, revoke = true) {
  const session = state.session;
  if (session && revoke) {
    api.post("/api/auth/logout/", { refresh: session.refresh }, { auth: session.access }).catch(() => {});
  }
  setSession(null);
  state.shift = null;
  lockNote = note || "";
  show(isSelf ? "self-welcome" : "login");
}

async function loadOutlet() {
  try {
    const outlet = await api.get("/api/outlet/");
    setCurrency(outlet.currency);
    setTimeZone(outlet.timezone);
    setOutlet(outlet);
  } catch {
    // an older edge without GET /api/outlet/: keep the cached one, IDR by default
  }
}

async function loadShift() {
  if (isSelf) return null;
  try {
    state.shift = await api.get("/api/shifts/current/");
  } catch (error) {
    if (error.code === "NO_OPEN_SHIFT") state.shift = null;
    else toast(error.message, "error");
  }
  return state.shift;
}

async function loadMenu() {
  if (!state.session) return;
  try {
    const [categories, products] = await Promise.all([
      api.get("/api/categories/", { query: { page_size: 100 } }),
      api.get("/api/products/", { query: { page_size: 500 } }),
    ]);
    state.categories = categories.results;
    state.products = products.results;
    emit("menu");
  } catch (error) {
    if (!state.products.length) toast(`The menu did not load: ${error.message}`, "error", 7000);
  }
}

// --- the status bar --------------------------------------------------------------------------

let statusInFlight = false;

async function refreshStatus() {
  if (statusInFlight) return;
  statusInFlight = true;
  try {
    if (state.session) {
      state.status = await api.get("/api/status/", { timeout: 5000 });
    } else {
      const health = await api.get("/api/health/", { auth: null, timeout: 5000 });
      state.status = { sync: health.sync || {}, cloud: null, printers: undefined, kitchen: undefined,
        storage: health.storage };
    }
    state.statusAt = Date.now();
    state.statusError = null;
  } catch (error) {
    state.statusError = error.isNetwork ? error.message : null;
    if (!error.isNetwork && error.status !== 401) state.statusError = error.message;
    if (error.status === 503 && error.body && error.body.storage) {
      // the server answers, and its health is red: a full disk or a damaged database
      const health = error.body;
      const storage = health.database === "error" && health.storage.state !== "full"
        ? { ...health.storage, state: "damaged", message: health.message } : health.storage;
      state.status = { sync: health.sync || {}, cloud: null, printers: undefined, kitchen: undefined, storage };
      state.statusError = null;
    }
  } finally {
    statusInFlight = false;
    renderStatusBar(statusbar);
    emit("status", state.status);
  }
}

// --- idle lock -------------------------------------------------------------------------------

for (const type of ["pointerdown", "keydown", "touchstart", "wheel"]) {
  window.addEventListener(type, () => { lastActivity = Date.now(); }, { capture: true, passive: true });
}

function checkIdle() {
  const idleMs = Date.now() - lastActivity;
  if (isSelf) {
    const away = current && ["self-menu", "self-done"].includes(current.name);
    if (away && idleMs > settings.selfIdleS * 1000) {
      if (!state.cart.orderId) resetCart();
      show("self-welcome");
    }
    return;
  }
  if (state.session && settings.idleLockS > 0 && idleMs > settings.idleLockS * 1000) {
    signOut(`Locked after ${Math.round(settings.idleLockS / 60) || 1} min without use. The sale in progress is kept.`);
  }
}

// --- start ----------------------------------------------------------------------------------

installScanner({
  enabled: () => !isSelf && state.session && current && current.name === "sell"
    && !document.getElementById("overlays").childElementCount,
  onScan: (code) => addByCode(app, code),
});

on("cart", () => { if (current && current.name === "self-menu") renderTopbar(); });
on("session", () => connectLive({ reloadMenu: loadMenu }));
on("status", () => { if (current && current.name === "self-welcome" && !state.session) renderTopbar(); });

async function start() {
  renderStatusBar(statusbar);
  if (state.session) {
    try {
      const user = await api.get("/api/users/me/");
      state.session.user = user;
      await signedIn(state.session);
    } catch (error) {
      if (error.isNetwork) {
        // The edge is not answering: show the till anyway, it recovers when the edge does.
        show(isSelf ? "self-welcome" : "login");
      } else {
        setSession(null);
        show(isSelf ? "self-welcome" : "login");
      }
    }
  } else {
    show(isSelf ? "self-welcome" : "login");
  }
  refreshStatus();
  setInterval(refreshStatus, settings.statusPollS * 1000);
  setInterval(loadMenu, settings.menuRefreshS * 1000);
  setInterval(checkIdle, 1000);
}

start();
