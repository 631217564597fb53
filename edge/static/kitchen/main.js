// The kitchen display: sign in, connect, show the tickets, bump and recall.
//
// Bump moves a ticket on (all stations: NEW -> COOKING -> READY -> served and off the
// screen; one station: that station's items done). Tapping an item crosses it off or
// back. Recall undoes the last bump. Every change goes to the edge over the socket and
// shows only when the edge's event comes back, so every screen shows the same thing.

import * as auth from "./auth.js";
import { Board } from "./board.js";
import { openLink } from "./link.js";
import { BoardView } from "./view.js";

const app = document.getElementById("app");
const $ = (selector) => document.querySelector(selector);
const settings = {
  amberMin: Number(app.dataset.amberMin) || 5,
  redMin: Number(app.dataset.redMin) || 10,
  ackTimeoutMs: Number(app.dataset.ackTimeoutMs) || 5000,
  chimeUrl: app.dataset.chimeUrl,
};

const STATION_KEY = "kitchen.station";
const SOUND_KEY = "kitchen.sound";
const BUMPED_KEY = "kitchen.bumped";

let session = auth.load();
let link = null;
let board = null;
let view = null;
let station = localStorage.getItem(STATION_KEY) || null;
let knownStations = new Set();

// --- small UI helpers -----------------------------------------------------------------

function toast(message, kind = "error") {
  const box = el("div", `toast toast-${kind}`, message);
  $(".toasts").append(box);
  setTimeout(() => box.remove(), 5000);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- the chime ------------------------------------------------------------------------

const chime = {
  audio: null,
  enabled: localStorage.getItem(SOUND_KEY) !== "off",
  blocked: false,
  play() {
    if (!this.enabled) return;
    this.audio = this.audio || new Audio(settings.chimeUrl);
    this.audio.currentTime = 0;
    const played = this.audio.play();
    if (played && played.catch) {
      played.then(() => this.setBlocked(false)).catch(() => this.setBlocked(true));
    }
  },
  setBlocked(blocked) {
    this.blocked = blocked;
    drawSound();
  },
};

function drawSound() {
  const button = $(".sound");
  button.textContent = !chime.enabled ? "Sound off" : chime.blocked ? "Tap to enable sound" : "Sound on";
  button.classList.toggle("warn", chime.enabled && chime.blocked);
}

$(".sound").addEventListener("click", () => {
  if (chime.blocked) {
    chime.blocked = false;
    chime.play(); // a tap unlocks audio in the browser
  } else {
    chime.enabled = !chime.enabled;
    localStorage.setItem(SOUND_KEY, chime.enabled ? "on" : "off");
    if (chime.enabled) chime.play();
  }
  drawSound();
});

// --- recall: the last bumps, newest last, kept across reloads ---------------------------

function bumped() {
  try {
    return JSON.parse(localStorage.getItem(BUMPED_KEY) || "[]");
  } catch {
    return [];
  }
}

function rememberBump(entry) {
  localStorage.setItem(BUMPED_KEY, JSON.stringify([...bumped(), entry].slice(-10)));
  drawRecall();
}

function drawRecall() {
  const last = bumped().filter((entry) => !board || entry.log === board.logId).at(-1);
  const button = $(".recall");
  button.disabled = !last || !link || !link.connected;
  button.textContent = last ? `↶ Recall ${last.label}` : "↶ Recall";
}

$(".recall").addEventListener("click", async () => {
  // bumps made against another log (the edge's database was replaced) name other orders
  const stack = bumped().filter((entry) => entry.log === board.logId);
  const last = stack.pop();
  if (!last) return;
  try {
    if (last.items) await link.act("update_items", { id: last.id, item_ids: last.items, prep_status: "preparing" });
    else await link.act("recall_order", { id: last.id });
    localStorage.setItem(BUMPED_KEY, JSON.stringify(stack));
    view.flash(last.id);
  } catch (error) {
    toast(`${last.label} could not be recalled: ${error.message}`);
    if (error.code === "INVALID_TRANSITION") localStorage.setItem(BUMPED_KEY, JSON.stringify(stack));
  }
  drawRecall();
});

// --- stations ---------------------------------------------------------------------------

function drawStations() {
  const nav = $(".stations");
  nav.replaceChildren();
  const names = [...new Set([...knownStations, ...board.stations()])].sort();
  for (const name of [null, ...names]) {
    const button = el("button", "station", name === null ? "All" : name);
    button.type = "button";
    button.dataset.station = name ?? "";
    button.classList.toggle("active", name === station);
    button.addEventListener("click", () => {
      station = name;
      if (name === null) localStorage.removeItem(STATION_KEY);
      else localStorage.setItem(STATION_KEY, name);
      link.setStation(name);
      drawStations();
      redraw();
    });
    nav.append(button);
  }
}

// --- drawing ----------------------------------------------------------------------------

function redraw() {
  const tickets = board.visible(station);
  view.render(tickets, station, link.serverNow());
  $('[data-testid="empty"]').hidden = tickets.length > 0;
  drawCounts();
  document.body.dataset.lastSeq = board.lastSeq ?? "";
}

function drawCounts() {
  const open = view.cards.size;
  const late = view.tick(link.serverNow());
  $(".counts").textContent = `${open} open` + (late ? ` · ${late} late` : "");
}

function setState(name) {
  document.body.dataset.link = name;
  $(".banner").hidden = name !== "offline";
  drawRecall();
}

setInterval(() => {
  if (!view || !link) return;
  drawCounts();
  $(".clock").textContent = clockText(link.serverNow());
}, 1000);

// --- actions on tickets -----------------------------------------------------------------

$(".board").addEventListener("click", async (event) => {
  const target = event.target.closest("[data-action]");
  if (!target) return;
  const card = target.closest(".ticket");
  const ticket = card && card._ticket;
  if (!ticket) return;
  const label = `#${String(ticket.order_number).split("-").pop()}`;
  target.disabled = true;
  card.classList.add("busy");
  try {
    if (target.dataset.action === "bump" && station === null) {
      const next = target.dataset.next;
      if (!next) return;
      await link.act("update_status", { id: ticket.id, order_number: ticket.order_number, status: next });
      rememberBump({ id: ticket.id, label, log: board.logId });
    } else if (target.dataset.action === "bump") {
      const items = target.dataset.items.split(",").filter(Boolean).map(Number);
      if (!items.length) return;
      await link.act("update_items", { id: ticket.id, item_ids: items, prep_status: "ready" });
      rememberBump({ id: ticket.id, label, items, log: board.logId });
    } else if (target.dataset.action === "item") {
      const item = ticket.items.find((i) => String(i.id) === target.dataset.itemId);
      await link.act("update_items", { id: ticket.id, item_ids: [item.id], prep_status: "ready" });
    }
  } catch (error) {
    toast(`${label}: ${error.message}`);
  } finally {
    card.classList.remove("busy");
    target.disabled = false;
  }
});

// Crossed-off items can be restored with a tap too.
$(".board").addEventListener("click", async (event) => {
  const row = event.target.closest(".item.done");
  const card = row && row.closest(".ticket");
  if (!card || card._ticket.status === "served") return;
  try {
    await link.act("update_items", { id: card._ticket.id, item_ids: [Number(row.dataset.itemId)],
                                     prep_status: "preparing" });
  } catch (error) {
    toast(error.message);
  }
});

// --- sign-in and start ------------------------------------------------------------------

function showLogin(message) {
  if (link) link.close();
  link = null;
  auth.clear();
  session = null;
  $(".topbar").hidden = true;
  $(".login").hidden = false;
  $('[data-testid="login-error"]').textContent = message || "";
  $(".login input[name=username]").focus();
}

let secretKind = "password";
for (const button of document.querySelectorAll(".kind")) {
  button.addEventListener("click", () => {
    secretKind = button.dataset.kind;
    for (const other of document.querySelectorAll(".kind")) other.classList.toggle("active", other === button);
    const input = $(".login input[name=secret]");
    $(".login .secret span").textContent = secretKind === "pin" ? "PIN" : "Password";
    input.inputMode = secretKind === "pin" ? "numeric" : "text";
    input.autocomplete = secretKind === "pin" ? "one-time-code" : "current-password";
  });
}

$(".login-card").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  $('[data-testid="login-error"]').textContent = "";
  try {
    session = await auth.login(form.username.value.trim(), secretKind, form.secret.value);
    form.secret.value = "";
    chime.play(); // the sign-in tap lets the browser play the chime later
    start();
  } catch (error) {
    $('[data-testid="login-error"]').textContent = error.message;
  } finally {
    button.disabled = false;
  }
});

$(".user").addEventListener("click", async () => {
  if (!confirm("Sign out of the kitchen display?")) return;
  const ending = session;
  showLogin();
  await auth.logout(ending); // the screen's tokens stop working on the edge too
});

// One clock: the outlet's time zone, as on its receipts and tills (not the screen's own).
let outletZone;

function clockText(now) {
  try {
    return new Date(now).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: outletZone });
  } catch {
    return new Date(now).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }
}

async function loadOutlet() {
  try {
    const outlet = await auth.getJson("/api/outlet/", session);
    $(".outlet").textContent = outlet.outlet_name;
    outletZone = outlet.timezone;
    document.body.dataset.timezone = outlet.timezone;
    $(".clock").textContent = clockText(link ? link.serverNow() : Date.now());
  } catch {
    /* the name is a nicety */
  }
  try {
    const categories = await auth.getJson("/api/categories/?page_size=100", session);
    knownStations = new Set(categories.results.map((c) => c.station).filter(Boolean));
    drawStations();
  } catch {
    /* stations also come from the tickets */
  }
}

let loaded = false; // the first snapshot of a screen neither chimes nor flashes

// --- sold out ("86") at the tills -------------------------------------------------------

const soldOut = new Map(); // "target:id" -> name
let lastSoldOutToast = { text: "", at: 0 };

function drawSoldOut() {
  const bar = $(".soldout");
  const names = [...new Set(soldOut.values())]; // one name for each product's own Extra cheese
  bar.hidden = !names.length;
  bar.replaceChildren(el("strong", "", "86"), ...names.map((name) => el("span", "soldout-item", name)));
}

async function loadSoldOut() {
  try {
    const listed = await auth.getJson("/api/sold-out/?page_size=100", session);
    soldOut.clear();
    for (const mark of listed.results) soldOut.set(`${mark.target}:${mark.id}`, mark.name);
    drawSoldOut();
  } catch {
    /* shown again on the next connect or change */
  }
}

function soldOutChanged(change) {
  const key = `${change.target}:${change.id}`;
  if (change.sold_out) soldOut.set(key, change.name);
  else soldOut.delete(key);
  drawSoldOut();
  const text = change.sold_out ? `86: ${change.name} is sold out` : `${change.name} is back on sale`;
  if (text !== lastSoldOutToast.text || Date.now() - lastSoldOutToast.at > 3000) {
    toast(text, change.sold_out ? "error" : "info"); // each product's own "Extra cheese": one notice
  }
  lastSoldOutToast = { text, at: Date.now() };
}

function start() {
  loaded = false;
  $(".login").hidden = true;
  $(".topbar").hidden = false;
  $(".user").textContent = `${session.user ? session.user.username : ""} · Sign out`;
  board = new Board();
  $(".board").replaceChildren();
  view = new BoardView($(".board"), settings);
  link = openLink({
    board,
    getAuth: () => session,
    setAuth: (fresh) => {
      session = fresh;
    },
    ackTimeoutMs: settings.ackTimeoutMs,
    onState: setState,
    onSignedOut: showLogin,
    onSoldOut: soldOutChanged,
    onConnect: loadSoldOut,
    onChange: (result) => {
      const stationsBefore = board.stations().size;
      redraw();
      if (board.stations().size !== stationsBefore || !$(".stations").childElementCount) drawStations();
      const firstLoad = !loaded;
      loaded = true;
      const fresh = result.added.filter((id) => view.cards.has(id));
      if (fresh.length && !firstLoad) {
        chime.play();
        fresh.forEach((id) => view.flash(id));
      }
    },
  });
  link.setStation(station);
  drawStations();
  drawSound();
  setState("offline");
  loadOutlet();
}

if (session) start();
else showLogin();
