// The app's closed lists (sync/vocab.py), embedded in the page by its template as
// <script type="application/json" id="vocab">: statuses and payment methods with what
// belongs to each, so the page keeps no copy of its own.

const element = typeof document === "undefined" ? null : document.getElementById("vocab");
export const VOCAB = element ? JSON.parse(element.textContent) : { order_statuses: [], payment_methods: [] };

export const PAYMENT_METHODS = VOCAB.payment_methods;
export const METHOD_LABEL = Object.fromEntries(PAYMENT_METHODS.map((m) => [m.name, m.label]));
export const GATEWAY = Object.fromEntries(PAYMENT_METHODS.filter((m) => m.gateway).map((m) => [m.name, m.label]));
export const ORDER_STATUSES = VOCAB.order_statuses;
export const EDITABLE = ORDER_STATUSES.filter((s) => s.editable).map((s) => s.name);
export const KITCHEN_OPEN = ORDER_STATUSES.filter((s) => s.in_kitchen).map((s) => s.name);
export const AUDIT_ACTIONS = VOCAB.audit_actions || [];
export const ROLES = VOCAB.roles || [];
export const ROLE_RANK = Object.fromEntries(ROLES.map((r) => [r.name, r.rank]));
export const ROLE_LABEL = Object.fromEntries(ROLES.map((r) => [r.name, r.label]));
export const PLATFORM_ROLES = new Set(ROLES.filter((r) => r.platform).map((r) => r.name));
// The groups of dashboard cards each role sees (empty: not let in), decided once in
// sync/vocab.py DASHBOARD_SECTIONS.
export const ROLE_SECTIONS = Object.fromEntries(ROLES.map((r) => [r.name, new Set(r.dashboard || [])]));
export const methodLabel = (method) => METHOD_LABEL[method] || method;
