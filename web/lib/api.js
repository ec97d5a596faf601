// The REST API client: the token from the login page, errors as the API's { error: { code, message, details } }.

const KEY = 'nightjar.token';

/** The stored token: sessionStorage (this tab) unless the user chose to remember it (localStorage). */
export function getToken() {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

export function setToken(token, remember) {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? { code: 'HTTP_' + status, message: `HTTP ${status}`, details: {} };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.details = error.details ?? {};
  }
}

/** Calls /api/v1<path>; a missing or refused token sends the user to the login page. */
export async function api(path, { method = 'GET', body, token = getToken(), signal } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    if (response.status === 401 || error.code === 'AUTH_TOKEN_INVALID' || error.code === 'AUTH_TOKEN_MISSING') window.dispatchEvent(new CustomEvent('nightjar:unauthorised', { detail: error }));
    throw error;
  }
  return json;
}

/** An image or file from the API as an object URL (images cannot send an Authorization header themselves). */
export async function apiBlobUrl(path) {
  const response = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${getToken()}` } });
  if (!response.ok) {
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw new ApiError(response.status, body);
  }
  return URL.createObjectURL(await response.blob());
}
