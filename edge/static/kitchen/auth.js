// Sign-in for the kitchen screen against the edge (works offline: the edge checks the
// users it pulled from the cloud). Tokens live in localStorage so a screen that reloads
// or loses power comes back signed in.

const KEY = "kitchen.auth";

export function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    return saved && saved.access ? saved : null;
  } catch {
    return null;
  }
}

function save(auth) {
  localStorage.setItem(KEY, JSON.stringify(auth));
  return auth;
}

export function clear() {
  localStorage.removeItem(KEY);
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("The edge cannot be reached. Check the network and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.message || `Sign-in failed (${response.status})`);
    error.code = data.code;
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Sign in with a password or a PIN; returns and stores {access, refresh, user}. */
export async function login(username, kind, secret) {
  const data = await post("/api/auth/login/", { username, [kind]: secret });
  return save({ access: data.access, refresh: data.refresh, user: data.user });
}

/** Trade the refresh token for new tokens (refresh tokens rotate). */
export async function refresh(auth) {
  if (!auth || !auth.refresh) throw new Error("No refresh token");
  const data = await post("/api/auth/refresh/", { refresh: auth.refresh });
  return save({ ...auth, access: data.access, refresh: data.refresh || auth.refresh });
}

async function logoutWith(access, refreshToken) {
  return fetch("/api/auth/logout/", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${access}` },
    body: JSON.stringify(refreshToken ? { refresh: refreshToken } : {}),
  });
}

/** End the session on the edge (every token of it stops working), not only on this
 * screen. An expired access token is refreshed first; offline, the tokens simply expire. */
export async function logout(auth) {
  if (!auth || !auth.access) return;
  try {
    let response = await logoutWith(auth.access, auth.refresh);
    if (response.status === 401 && auth.refresh) {
      const fresh = await post("/api/auth/refresh/", { refresh: auth.refresh });
      response = await logoutWith(fresh.access, fresh.refresh);
    }
  } catch {
    /* the edge cannot be reached, or the session is already over */
  }
}

/** Seconds until the access token expires (from its own `exp` claim). */
export function secondsLeft(auth) {
  try {
    const part = auth.access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part));
    return claims.exp - Date.now() / 1000;
  } catch {
    return 0;
  }
}

/** GET a JSON resource of the edge API with the screen's token. */
export async function getJson(path, auth) {
  const response = await fetch(path, { headers: { Accept: "application/json", Authorization: `Bearer ${auth.access}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}
