// The security-alerts card (owners and the platform's admins): the open alerts, newest
// first (failed sign-in bursts, lockouts, silent outlets, refunds above their share,
// drawers opened with no sale, a broken audit chain), each acknowledged with one tap.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";

function render(list, page, reload, banner) {
  list.replaceChildren();
  if (!page.results.length) {
    list.append(h("p", { class: "muted" }, "No open alerts."));
    return;
  }
  list.append(h("table", { class: "table" },
    h("thead", {}, h("tr", {}, ["Last seen (UTC)", "Kind", "What", "Times", ""].map((title) => h("th", {}, title)))),
    h("tbody", {}, page.results.map((alert) => h("tr", { dataset: { kind: alert.kind } },
      h("td", {}, alert.last_seen_at.replace("T", " ").slice(0, 16)),
      h("td", {}, alert.kind.replaceAll("_", " ")),
      h("td", {}, alert.message),
      h("td", { class: "num" }, String(alert.count)),
      h("td", {}, h("button", { type: "button", class: "ghost small", onclick: async () => {
        try {
          await api.post(`/api/security/alerts/${alert.id}/acknowledge/`);
          await reload();
        } catch (error) {
          banner(error.message);
        }
      } }, "Acknowledge")))))));
}

/** Shows the card to those who may see alerts (owner and above); others never ask. */
export async function loadAlerts(canSee, banner) {
  const card = $("#alerts-card");
  show(card, canSee);
  if (!canSee) return;
  const reload = async () => render($("#alerts-list"),
    await api.get("/api/security/alerts/", { acknowledged: false, page_size: 20 }), reload, banner);
  await reload();
}
