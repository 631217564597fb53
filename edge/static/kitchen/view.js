// Drawing the tickets: one card per order, oldest first, keyed by order id so a change
// redraws only its own card. Text from orders (names, notes) only ever goes through
// textContent, never HTML.

import { isDone, live, nextStatus, pendingAt } from "./board.js";

const STATUS_LABEL = { confirmed: "NEW", preparing: "COOKING", ready: "READY" };
const BUMP_LABEL = { confirmed: "Start ▶", preparing: "Ready ✓", ready: "Served ⇥" };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export function shortNumber(orderNumber) {
  const tail = String(orderNumber || "").split("-").pop();
  return tail ? `#${tail}` : "#?";
}

export function formatAge(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function ageClass(ms, amberMin, redMin) {
  if (ms >= redMin * 60000) return "age-red";
  if (ms >= amberMin * 60000) return "age-amber";
  return "age-normal";
}

function since(ticket) {
  return Date.parse(ticket.confirmed_at || ticket.created_at || "") || null;
}

function itemRow(item, showStation) {
  const row = el("li", "item");
  row.dataset.itemId = item.id;
  row.dataset.station = item.station;
  row.dataset.testid = "item";
  if (item.quantity <= 0) row.classList.add("void");
  else if (isDone(item)) row.classList.add("done");
  else row.dataset.action = "item";
  const line = el("div", "line");
  line.append(el("span", "qty", item.quantity > 0 ? `${item.quantity}×` : "VOID"), el("span", "name", item.name));
  if (showStation) line.append(el("span", "station-tag", item.station));
  row.append(line);
  if (item.modifiers && item.modifiers.length) {
    const mods = el("ul", "mods");
    for (const name of item.modifiers) mods.append(el("li", null, name));
    row.append(mods);
  }
  if (item.note) row.append(el("div", "note", item.note));
  return row;
}

/** One ticket card for `station` (null: all stations). */
export function ticketCard(ticket, station) {
  const card = el("article", `ticket status-${ticket.status}`);
  card.dataset.orderId = ticket.id;
  card.dataset.testid = "ticket";
  card.dataset.status = ticket.status;

  const head = el("header", "head");
  const who = [ticket.table ? `Table ${ticket.table}` : "", ticket.customer_name || ""].filter(Boolean).join(" · ");
  const ident = el("div", "ident");
  ident.append(el("span", "number", shortNumber(ticket.order_number)), el("span", "who", who || "Walk-in"));
  const side = el("div", "side");
  side.append(el("span", "age", ""), el("span", `source source-${ticket.source}`, (ticket.source || "pos").toUpperCase()));
  head.append(ident, side);
  card.append(head);

  const sub = el("div", "sub");
  sub.append(el("span", "full-number", ticket.order_number), el("span", "chip", STATUS_LABEL[ticket.status] || ""));
  card.append(sub);

  const items = el("ul", "items");
  const shown = station === null ? ticket.items : ticket.items.filter((item) => item.station === station);
  for (const item of shown) items.append(itemRow(item, station === null));
  card.append(items);
  if (station !== null) {
    const elsewhere = live(ticket.items).filter((item) => item.station !== station);
    if (elsewhere.length) {
      const where = [...new Set(elsewhere.map((item) => item.station))].join(", ");
      card.append(el("p", "elsewhere", `+${elsewhere.length} more at ${where}`));
    }
  }
  if (ticket.note) card.append(el("p", "order-note", ticket.note));

  const foot = el("footer", "foot");
  const bump = el("button", "bump");
  bump.type = "button";
  bump.dataset.action = "bump";
  bump.dataset.testid = "bump";
  if (station === null) {
    bump.textContent = BUMP_LABEL[ticket.status] || "Bump";
    bump.dataset.next = nextStatus(ticket.status) || "";
  } else {
    bump.textContent = `Done at ${station} ✓`;
    bump.dataset.items = pendingAt(ticket, station).map((item) => item.id).join(",");
  }
  foot.append(bump);
  card.append(foot);
  card._ticket = ticket;
  return card;
}

export class BoardView {
  constructor(root, { amberMin, redMin }) {
    this.root = root;
    this.amberMin = amberMin;
    this.redMin = redMin;
    this.cards = new Map(); // order id -> card element
    this.station = null;
  }

  /** Draw `tickets` (already filtered and sorted), reusing unchanged cards. */
  render(tickets, station, now) {
    const stationChanged = station !== this.station;
    this.station = station;
    const keep = new Set(tickets.map((t) => t.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    let previous = null;
    for (const ticket of tickets) {
      let card = this.cards.get(ticket.id);
      if (!card || stationChanged || card._ticket !== ticket) {
        const fresh = ticketCard(ticket, station);
        if (card) card.replaceWith(fresh);
        card = fresh;
        this.cards.set(ticket.id, card);
      }
      const want = previous ? previous.nextSibling : this.root.firstChild;
      if (want !== card) this.root.insertBefore(card, want);
      previous = card;
    }
    this.tick(now);
  }

  /** Update the age timers and their colours. */
  tick(now) {
    let late = 0;
    for (const card of this.cards.values()) {
      const start = since(card._ticket);
      const age = start === null ? 0 : now - start;
      const cls = ageClass(age, this.amberMin, this.redMin);
      if (cls === "age-red") late += 1;
      if (!card.classList.contains(cls)) {
        card.classList.remove("age-normal", "age-amber", "age-red");
        card.classList.add(cls);
      }
      const label = card.querySelector(".age");
      const text = formatAge(age);
      if (label.textContent !== text) label.textContent = text;
    }
    return late;
  }

  flash(id) {
    const card = this.cards.get(id);
    if (!card) return;
    card.classList.remove("flash");
    void card.offsetWidth; // restart the animation
    card.classList.add("flash");
  }
}
