// The edge API client: bearer token, terminal header, timeouts, and one error shape.
// Errors carry the API's own `message`, shown to the cashier verbatim.

export class ApiError extends Error {
  constructor({ status = 0, code = "ERROR", message = "Something went wrong", field = null, body = null }) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.body = body;
  }

  /** True when the request may not have reached the edge (retrying is safe with a key). */
  get isNetwork() {
    return this.status === 0;
  }
}

/** An RFC 4122 v4 UUID. crypto.randomUUID() exists only on https/localhost pages, and the
 *  kiosk is usually opened as http://<edge-ip>:5000/ on the shop's LAN, so build one. */
export function uuid4() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function createApi({ token, terminal, timeoutMs = 10000, onAuthLost = () => {} }) {
  async function request(method, path, { body, query, auth, idempotencyKey, timeout, as = "json" } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const headers = { Accept: "application/json", "X-Terminal-ID": String(terminal()) };
    const bearer = auth === undefined ? token() : auth;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout || timeoutMs);
    let response;
    try {
      response = await fetch(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal, cache: "no-store", credentials: "omit",
      });
    } catch (error) {
      const timedOut = error && error.name === "AbortError";
      throw new ApiError({
        status: 0,
        code: timedOut ? "TIMEOUT" : "NETWORK_ERROR",
        message: timedOut
          ? "The outlet server did not answer in time. Nothing was lost; try again."
          : "The till cannot reach the outlet server. Nothing was lost; check the cable or Wi-Fi and try again.",
      });
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (response.ok && as === "text") return text;
    if (!response.ok) {
      const error = new ApiError({
        status: response.status,
        code: (data && data.code) || `HTTP_${response.status}`,
        message: (data && data.message) || `The outlet server answered ${response.status} ${response.statusText}`.trim(),
        field: data && data.field,
        body: data,
      });
      if (response.status === 401 && bearer && bearer === token()) onAuthLost(error);
      throw error;
    }
    return data;
  }

  return {
    request,
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, { ...options, body: body === undefined ? {} : body }),
    patch: (path, body, options) => request("PATCH", path, { ...options, body }),
    put: (path, body, options) => request("PUT", path, { ...options, body }),
  };
}
