// The cloud API as the dashboard uses it: a session (tokens and user) kept in
// localStorage, the bearer token on every call, one token refresh on a 401 (refresh tokens
// rotate, so concurrent 401s share a single refresh), and the contract's error body.

const SESSION_KEY = "pos.dashboard.session";
const TENANT_KEY = "pos.dashboard.tenant";
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor({ status = 0, code = "ERROR", message = "Something went wrong", field = null, line = null,
    rows = null }) {
    super(message);
    this.rows = rows; // an import's bad lines: [{line, message}]
    this.status = status;
    this.code = code;
    this.field = field;
    this.line = line; // a template's line, when the server names one
  }
}

export const session = {
  load() {
    try {
      return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    } catch {
      return null;
    }
  },
  save(value) {
    localStorage.setItem(SESSION_KEY, JSON.stringify(value));
  },
  clear() {
    localStorage.removeItem(SESSION_KEY);
  },
  tenant() {
    const value = Number(localStorage.getItem(TENANT_KEY));
    return Number.isInteger(value) && value > 0 ? value : null;
  },
  setTenant(id) {
    if (id) localStorage.setItem(TENANT_KEY, String(id));
    else localStorage.removeItem(TENANT_KEY);
  },
};

let onSessionLost = () => {};
let refreshing = null;

/** Called when the session cannot be renewed (the refresh token is dead): back to login. */
export function whenSessionLost(callback) {
  onSessionLost = callback;
}

async function send(method, path, { body, query, token, tenant, raw = false } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { Accept: raw ? "*/*" : "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (tenant) headers["X-Tenant-ID"] = String(tenant);
  const form = typeof FormData !== "undefined" && body instanceof FormData; // multipart: the browser sets the type
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      signal: controller.signal, cache: "no-store", credentials: "omit",
    });
  } catch (error) {
    const timedOut = error && error.name === "AbortError";
    throw new ApiError({
      code: timedOut ? "TIMEOUT" : "NETWORK_ERROR",
      message: timedOut ? "The head-office server did not answer in time; try again."
        : "Cannot reach the head-office server; check the connection and try again.",
    });
  } finally {
    clearTimeout(timer);
  }
  if (response.ok && raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError({
      status: response.status,
      code: (data && data.code) || `HTTP_${response.status}`,
      message: (data && data.message) || `The server answered ${response.status}`,
      field: data && data.field,
      line: data && data.line,
      rows: data && data.rows,
    });
  }
  return data;
}

async function refreshTokens() {
  const current = session.load();
  if (!current || !current.refresh) throw new ApiError({ status: 401, code: "NOT_AUTHENTICATED",
    message: "Please sign in." });
  const tokens = await send("POST", "/api/auth/refresh/", { body: { refresh: current.refresh } });
  session.save({ ...current, access: tokens.access, refresh: tokens.refresh });
}

/** A call with the session's token; on a 401 the tokens are refreshed once and it is retried. */
async function call(method, path, options = {}) {
  const attempt = () => {
    const current = session.load();
    return send(method, path, { ...options, token: current && current.access, tenant: session.tenant() });
  };
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    try {
      refreshing = refreshing || refreshTokens().finally(() => { refreshing = null; });
      await refreshing;
    } catch {
      session.clear();
      onSessionLost("Your session has ended; please sign in again.");
      throw error;
    }
    return attempt();
  }
}

export async function login(username, password) {
  const result = await send("POST", "/api/auth/login/", { body: { username, password } });
  session.save({ access: result.access, refresh: result.refresh, user: result.user });
  return result.user;
}

export async function logout() {
  const current = session.load();
  session.clear();
  if (current && current.access) {
    try {
      await send("POST", "/api/auth/logout/", { body: { refresh: current.refresh }, token: current.access });
    } catch {
      // the tokens are gone from this browser either way
    }
  }
}

export const api = {
  get: (path, query) => call("GET", path, { query }),
  post: (path, body) => call("POST", path, { body }),
  /** A multipart upload (a FormData with the file and its fields). */
  upload: (path, form) => call("POST", path, { body: form }),
  patch: (path, body) => call("PATCH", path, { body }),
  del: (path) => call("DELETE", path),
  /** A file download (CSV or Excel) as a Blob, with its suggested name. */
  async download(path, query) {
    const response = await call("GET", path, { query, raw: true });
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    return { blob: await response.blob(), filename: match ? match[1] : "report" };
  },
};
