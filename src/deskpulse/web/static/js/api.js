// JSON requests to the deskpulse API, relative to the app's root path, with a timeout.
const TIMEOUT_MS = 20000;

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

export function apiUrl(root, path, params = {}) {
  const url = new URL(`${root}${path}`, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

export async function getJSON(root, path, params = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(apiUrl(root, path, params), {
      headers: { Accept: "application/json" },
      signal: controller.signal,
      cache: "no-store",
    });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        const body = await response.json();
        if (body && typeof body.detail === "string") detail = body.detail;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(detail, response.status);
    }
    return await response.json();
  } catch (err) {
    if (err.name === "AbortError") throw new ApiError("the server did not answer in time", 0);
    if (err instanceof ApiError) throw err;
    throw new ApiError("the server cannot be reached", 0);
  } finally {
    clearTimeout(timer);
  }
}
