// The tickets a screen shows, kept exactly in step with the edge's kitchen log.
//
// Every order event carries the log's `seq` (and `log_id`). The board applies an event
// only when it is the next one (seq = lastSeq + 1) of the same log: an older seq is a
// duplicate and is dropped, a jump or another log is a gap and asks for a resync. So a
// ticket is never shown twice, and a lost event is never papered over.

import { KITCHEN_OPEN } from "./vocab.js";

export const OPEN = new Set(KITCHEN_OPEN);
const DONE_ITEM = new Set(["ready", "served"]);

export class Board {
  constructor() {
    this.tickets = new Map(); // order id -> ticket (the server's ticket payload)
    this.lastSeq = null; // null: nothing known yet, the next connect asks for a snapshot
    this.logId = null;
  }

  /** Replace everything with a snapshot: {tickets, last_seq, log_id}. */
  applySnapshot(snapshot) {
    const before = new Set(this.tickets.keys());
    this.tickets = new Map(snapshot.tickets.map((t) => [t.id, t]));
    this.lastSeq = snapshot.last_seq;
    this.logId = snapshot.log_id || null;
    const added = [...this.tickets.keys()].filter((id) => !before.has(id));
    return { changed: true, added };
  }

  /** Apply one order event. Returns {changed, added: [ids], duplicate?, gap?}. */
  applyEvent(type, event) {
    const seq = event && event.seq;
    if (!Number.isInteger(seq)) return { changed: false, added: [], ignored: true };
    if (this.lastSeq === null) return { changed: false, added: [], gap: true };
    if (event.log_id && this.logId && event.log_id !== this.logId) return { changed: false, added: [], gap: true };
    if (seq <= this.lastSeq) return { changed: false, added: [], duplicate: true };
    if (seq !== this.lastSeq + 1) return { changed: false, added: [], gap: true };
    this.lastSeq = seq;
    if (event.log_id) this.logId = event.log_id;
    const known = this.tickets.has(event.id);
    if ((type === "order_created" || type === "order_updated") && OPEN.has(event.status)) {
      this.tickets.set(event.id, { ...this.tickets.get(event.id), ...event });
      return { changed: true, added: known || type !== "order_created" ? [] : [event.id] };
    }
    // completed, cancelled, served, or an update that took the ticket off the line
    this.tickets.delete(event.id);
    return { changed: known, added: [] };
  }

  /** Open tickets for a station (null: all), oldest first. */
  visible(station) {
    return [...this.tickets.values()]
      .filter((t) => station === null || pendingAt(t, station).length > 0)
      .sort((a, b) => (a.confirmed_at || "").localeCompare(b.confirmed_at || "") || a.id - b.id);
  }

  stations() {
    const names = new Set();
    for (const ticket of this.tickets.values()) for (const item of ticket.items) names.add(item.station);
    return names;
  }
}

/** Items still being cooked (not voided, not crossed off). */
export function live(items) {
  return items.filter((item) => item.quantity > 0);
}

export function isDone(item) {
  return DONE_ITEM.has(item.prep_status);
}

/** A station's items of a ticket that are not done yet. */
export function pendingAt(ticket, station) {
  if (!OPEN.has(ticket.status) || ticket.status === "ready") return [];
  return live(ticket.items).filter((item) => item.station === station && !isDone(item));
}

/** The status a bump moves a ticket to on the all-stations view. */
export function nextStatus(status) {
  return { confirmed: "preparing", preparing: "ready", ready: "served" }[status] || null;
}
