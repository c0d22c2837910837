// The JSON API client of the workbench and the console: the session cookie
// plus the X-CSRF-Token header from /api/v1/me on every change.

let csrf = "";

// ApiError is an answer other than 2xx, with the API's {code, message, field}.
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "";
    this.field = body.field || "";
  }
}

// setCSRF remembers the token for later calls.
export function setCSRF(token) { csrf = token || ""; }

// api calls the JSON API and returns the decoded answer (null for 204).
// body may be an object (sent as JSON), a string, a Blob or FormData.
export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined && body !== null) {
    if (typeof body === "string" || body instanceof Blob || body instanceof FormData) {
      init.body = body;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const ctype = res.headers.get("Content-Type") || "";
  const data = ctype.includes("json") ? await res.json().catch(() => ({})) : await res.blob();
  if (!res.ok) throw new ApiError(res.status, ctype.includes("json") ? data : {});
  return data;
}

// me returns the logged-in account with its shops, or null. It asks
// /api/v1/session, which answers 200 either way, so that a logged-out
// browser logs no failed request.
export async function me() {
  const m = await api("GET", "/api/v1/session");
  if (!m || !m.account) return null;
  setCSRF(m.csrf_token);
  return m;
}

// login logs in and returns the same as me().
export async function login(loginName, password) {
  const m = await api("POST", "/api/v1/auth/login", { login: loginName, password });
  setCSRF(m.csrf_token);
  return m;
}

// logout ends the session.
export async function logout() {
  try { await api("POST", "/api/v1/auth/logout"); } catch { /* already out */ }
}

// download fetches a file from the API and saves it under name.
export async function download(path, name) {
  const blob = await api("GET", path);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
