// The screen's Socket.IO link to the edge.
//
// Each (re)connect presents the token and the board's last seq and log id, so the edge
// answers with exactly the missed events, or a snapshot when it cannot (a fresh screen,
// a restarted edge with another log, a seq it no longer keeps). The Socket.IO client
// reconnects by itself after a network drop or an edge restart.

import * as auth from "./auth.js";

const ORDER_EVENTS = ["order_created", "order_updated", "order_completed", "order_cancelled"];
const AUTH_CODES = new Set(["NOT_AUTHENTICATED", "TOKEN_INVALID", "TOKEN_REVOKED", "TOKEN_EXPIRED"]);

export function openLink({ board, getAuth, setAuth, ackTimeoutMs, onChange, onState, onSignedOut,
  onSoldOut = () => {}, onConnect = () => {} }) {
  let outletId = null;
  let station = null;
  let resyncing = false;
  let serverOffsetMs = 0;

  const socket = window.io({
    autoConnect: false,
    reconnectionDelay: 300,
    reconnectionDelayMax: 2000,
    timeout: 5000,
    auth: (send) => {
      const payload = { token: getAuth().access };
      if (board.lastSeq !== null) Object.assign(payload, { last_seq: board.lastSeq, log_id: board.logId });
      send(payload);
    },
  });

  function state(name) {
    onState(name);
  }

  function resync(fromScratch) {
    if (resyncing) return;
    resyncing = true;
    state("syncing");
    socket.emit("resync", fromScratch ? { last_seq: null } : { last_seq: board.lastSeq, log_id: board.logId });
  }

  function identify() {
    if (socket.connected) socket.emit("identify", { type: "kitchen", outletId, station });
  }

  async function renewAndReconnect() {
    try {
      setAuth(await auth.refresh(getAuth()));
    } catch {
      onSignedOut("Your session has ended. Please sign in again.");
      return;
    }
    socket.connect();
  }

  socket.on("connected", (hello) => {
    outletId = hello.outletId;
    const serverNow = Date.parse(hello.timestamp);
    if (!Number.isNaN(serverNow)) serverOffsetMs = serverNow + 500 - Date.now(); // seconds resolution
    resyncing = false;
    state("syncing");
  });

  socket.on("snapshot", (snapshot) => {
    onChange(board.applySnapshot(snapshot), "snapshot");
  });

  for (const type of ORDER_EVENTS) {
    socket.on(type, (event) => {
      const result = board.applyEvent(type, event);
      if (result.gap) resync(board.lastSeq === null || (event.log_id && board.logId && event.log_id !== board.logId));
      if (result.changed) onChange(result, type);
    });
  }

  socket.on("synced", (marker) => {
    resyncing = false;
    const sameLog = !marker.log_id || !board.logId || marker.log_id === board.logId;
    if (board.lastSeq === null || board.lastSeq < marker.last_seq || !sameLog) {
      resync(true); // the catch-up did not line up: start again from a snapshot
      return;
    }
    state("live");
  });

  socket.on("connect", () => {
    socket.emit("subscribe_outlet", outletId);
    identify();
    onConnect();
  });

  // an item marked sold out ("86") at a till, or back on sale
  socket.on("sold_out_changed", (change) => onSoldOut(change));

  socket.on("disconnect", (reason) => {
    resyncing = false;
    state("offline");
    if (reason === "io server disconnect") renewAndReconnect(); // the edge dropped our token
  });

  socket.on("connect_error", (error) => {
    state("offline");
    const code = error && error.data && error.data.code;
    if (code === "TOKEN_EXPIRED") renewAndReconnect();
    else if (AUTH_CODES.has(code)) onSignedOut(error.message || "Please sign in again.");
    else if (!socket.active) setTimeout(() => socket.connect(), 2000); // refused for another reason: retry
  });

  // Refusals of the page's own changes arrive as rejected acknowledgements (see act);
  // this event also reports the rest (identify, subscribe), which only go to the console.
  socket.on("error", (error) => console.warn("kitchen: the edge refused", error));

  // Access tokens are short-lived; renew ahead of expiry and reconnect with the new one.
  const renewTimer = setInterval(async () => {
    if (auth.secondsLeft(getAuth()) < 600) {
      try {
        setAuth(await auth.refresh(getAuth()));
        socket.disconnect().connect();
      } catch {
        /* tried again next minute; an expired token is renewed on the refusal */
      }
    }
  }, 60000);

  socket.connect();

  return {
    /** Send a change; resolves with the acknowledgement, rejects with a message. */
    act(event, payload) {
      return new Promise((resolve, reject) => {
        if (!socket.connected) {
          reject(new Error("Not connected to the edge; try again when the banner is gone."));
          return;
        }
        socket.timeout(ackTimeoutMs).emit(event, { outlet_id: outletId, ...payload }, (timeout, ack) => {
          if (timeout) reject(new Error("The edge did not answer in time; check the ticket before trying again."));
          else if (ack && ack.error) reject(Object.assign(new Error(ack.message), { code: ack.code }));
          else resolve(ack);
        });
      });
    },
    setStation(value) {
      station = value;
      identify();
    },
    serverNow() {
      return Date.now() + serverOffsetMs;
    },
    close() {
      clearInterval(renewTimer);
      socket.removeAllListeners();
      socket.disconnect();
    },
    get connected() {
      return socket.connected;
    },
  };
}
