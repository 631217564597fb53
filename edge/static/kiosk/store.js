// The page's state: who is signed in, the terminal, the menu, and the cart. The cart is
// written to localStorage on every change, so no failed request, reload or lock loses it.

import { toMinor } from "./money.js";

const bus = new EventTarget();

export function on(topic, handler) {
  const listener = (event) => handler(event.detail);
  bus.addEventListener(topic, listener);
  return () => bus.removeEventListener(topic, listener);
}

export function emit(topic, detail) {
  bus.dispatchEvent(new CustomEvent(topic, { detail }));
}

function read(storage, key, fallback) {
  try {
    const raw = storage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

function write(storage, key, value) {
  try {
    if (value === null || value === undefined) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the page still works, it only forgets on reload
  }
}

const root = document.getElementById("app");
const params = new URLSearchParams(window.location.search);

function terminalFromPage() {
  const asked = params.get("terminal");
  if (asked && /^\d{1,2}$/.test(asked) && Number(asked) >= 1) {
    write(localStorage, "kiosk:terminal", Number(asked));
    return Number(asked);
  }
  return read(localStorage, "kiosk:terminal", Number(root.dataset.terminal || 1));
}

export const settings = {
  mode: root.dataset.mode === "self" ? "self" : "cashier",
  idleLockS: Number(root.dataset.idleLockS || 120),
  selfIdleS: Number(root.dataset.selfIdleS || 90),
  statusPollS: Number(root.dataset.statusPollS || 3),
  menuRefreshS: Number(root.dataset.menuRefreshS || 60),
  syncAmberS: Number(root.dataset.syncAmberS || 300),
  syncRedS: Number(root.dataset.syncRedS || 1800),
  requestTimeoutS: Number(root.dataset.requestTimeoutS || 10),
};

// Self-order kiosks stay signed in across reloads (staff unlock them once); a cashier's
// session lives only as long as the browser tab.
const sessionStore = settings.mode === "self" ? localStorage : sessionStorage;

export const state = {
  terminal: terminalFromPage(),
  session: read(sessionStore, `kiosk:session:${settings.mode}`, null), // {access, refresh, user}
  outlet: read(localStorage, "kiosk:outlet", null), // GET /api/outlet/ (cached for the lock screen)
  shift: null,
  categories: [],
  products: [],
  status: null,
  statusError: null,
  features: { receipt: null, print: null, shiftPrint: null }, // null: not known yet
  cart: null,
};

const cartKey = () => `kiosk:cart:${settings.mode}:${state.terminal}`;

export function emptyCart() {
  return { lines: [], promoCodes: [], customer: null, customerName: "", table: "", note: "", clientUuid: null,
    orderId: null, version: 0 };
}

state.cart = { ...emptyCart(), ...read(localStorage, cartKey(), {}) };

export function setSession(session) {
  state.session = session;
  write(sessionStore, `kiosk:session:${settings.mode}`, session);
  emit("session", session);
}

export function setOutlet(outlet) {
  state.outlet = outlet;
  write(localStorage, "kiosk:outlet", outlet);
  emit("outlet", outlet);
}

export function recentUsers() {
  return read(localStorage, "kiosk:recent-users", []);
}

export function rememberUser(user) {
  const rest = recentUsers().filter((u) => u.username !== user.username);
  write(localStorage, "kiosk:recent-users", [{ username: user.username, name: user.full_name || user.username,
    role: user.role }, ...rest].slice(0, 8));
}

// --- the cart -------------------------------------------------------------------------

export function saveCart() {
  state.cart.version += 1;
  write(localStorage, cartKey(), state.cart);
  emit("cart", state.cart);
}

/** Keep what is being typed (name, table, note) as it is typed, so a reload never loses
 *  it; it changes no price, so nothing is re-quoted or redrawn. */
export function keepCart() {
  write(localStorage, cartKey(), state.cart);
}

export function resetCart() {
  state.cart = emptyCart();
  saveCart();
}

function lineKey(productId, modifierIds, note) {
  return `${productId}|${[...modifierIds].sort((a, b) => a - b).join(",")}|${(note || "").trim()}`;
}

export function lineUnitMinor(line) {
  return toMinor(line.price) + line.modifiers.reduce((sum, m) => sum + toMinor(m.price), 0);
}

export const MAX_QUANTITY = 999; // units on one line: the outlet server refuses more
export const QUANTITY_LIMIT_MESSAGE = `One line holds at most ${MAX_QUANTITY}.`;

/** Add a product (with chosen modifiers and a note); the same choice again adds quantity. */
export function addToCart(product, modifiers = [], note = "", quantity = 1) {
  const key = lineKey(product.id, modifiers.map((m) => m.id), note);
  const existing = state.cart.lines.find((line) => line.key === key);
  state.lastAddedKey = key; // the cart scrolls it into view
  if (existing) {
    if (existing.quantity + quantity > MAX_QUANTITY) emit("limit", QUANTITY_LIMIT_MESSAGE);
    existing.quantity = Math.min(MAX_QUANTITY, existing.quantity + quantity);
  } else {
    state.cart.lines.push({
      key, productId: product.id, name: product.name, sku: product.sku, price: product.price,
      modifiers: modifiers.map((m) => ({ id: m.id, name: m.name, price: m.price })), note: (note || "").trim(),
      quantity,
    });
  }
  saveCart();
  return key;
}

export function setQuantity(key, quantity) {
  const index = state.cart.lines.findIndex((line) => line.key === key);
  if (index < 0) return;
  if (quantity > MAX_QUANTITY) emit("limit", QUANTITY_LIMIT_MESSAGE);
  if (quantity <= 0) state.cart.lines.splice(index, 1);
  else state.cart.lines[index].quantity = Math.min(MAX_QUANTITY, Math.floor(quantity));
  saveCart();
}

export function setLineNote(key, note) {
  const line = state.cart.lines.find((l) => l.key === key);
  if (!line) return;
  line.note = note.trim();
  line.key = lineKey(line.productId, line.modifiers.map((m) => m.id), line.note);
  saveCart();
}

/** The items as the API wants them (orders, quotes). */
export function cartItems(cart = state.cart) {
  return cart.lines.map((line) => {
    const item = { product_id: line.productId, quantity: line.quantity, modifier_ids: line.modifiers.map((m) => m.id) };
    if (line.note) item.note = line.note;
    return item;
  });
}

/** A signature of what is being sold, to tell whether an order still matches the cart. */
export function itemsSignature(items) {
  return JSON.stringify(items.map((i) => [i.product_id, i.quantity,
    [...(i.modifier_ids || (i.modifiers || []).map((m) => m.id))].sort((a, b) => a - b), i.note || ""]));
}
