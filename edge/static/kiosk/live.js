// The till's Socket.IO link to its edge, for what must reach every screen at once: an
// item marked sold out ("86") or back on sale (`sold_out_changed`). Kitchen tickets
// also arrive on this link and are ignored here. Whenever the link reconnects, the menu
// is loaded again, so a change made while this till was cut off is not missed.

import { toast } from "./dom.js";
import { emit, state } from "./store.js";
import { applySoldOut } from "./views/soldout.js";

let socket = null;
let tokenInUse = null;
let lastToast = { text: "", at: 0 };

export function connectLive({ reloadMenu }) {
  const token = state.session ? state.session.access : null;
  if (!window.io || token === tokenInUse) return;
  if (socket) socket.disconnect();
  socket = null;
  tokenInUse = token;
  if (!token) return;
  socket = window.io({ auth: { token }, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
  let connectedBefore = false;
  socket.on("connect", () => {
    socket.emit("identify", { type: "pos" });
    if (connectedBefore) reloadMenu(); // signing in loaded it; a reconnect catches up on what was missed
    connectedBefore = true;
  });
  socket.on("sold_out_changed", (change) => {
    applySoldOut(change);
    emit("menu");
    const text = change.sold_out ? `${change.name} is sold out` : `${change.name} is back on sale`;
    if (text !== lastToast.text || Date.now() - lastToast.at > 3000) toast(text, change.sold_out ? "error" : "info");
    lastToast = { text, at: Date.now() }; // each product's own "Extra cheese": one notice
  });
  socket.on("connect_error", (error) => {
    // a refused token is the page's business (it signs out on its next request)
    if (error && error.data && error.data.code) console.warn("live link refused:", error.data.code);
  });
}
