// The dashboard API: POST {action, ...} to <this page's URL>/api with the X-API-Key header. n8n serves this
// page in a sandbox (opaque origin), so the call is cross-origin (`Origin: null`) and n8n answers CORS for it.

const API_URL = `${location.href.split(/[?#]/)[0].replace(/\/+$/, '')}/api`;

class ApiError extends Error {
	/** @param {number} status HTTP status, 0 when n8n could not be reached; @param {string[]} messages in words */
	constructor(status, messages) {
		super(messages.join(' · '));
		this.status = status;
		this.messages = messages;
	}
}

/** The key lives here and nowhere else (no storage, no cookie: see the prompt's text). */
const session = { key: '' };

async function callApi(action, params = {}, key = session.key) {
	const sessionCall = key === session.key; // not the prompt trying a key
	let response;
	try {
		response = await fetch(API_URL, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
			body: JSON.stringify({ action, ...params }),
			cache: 'no-store',
		});
	} catch (error) {
		throw new ApiError(0, [
			`Could not reach n8n at ${API_URL} (${error.message}). Is n8n running and the workflow "Supabase Jobs: dashboard" active?`,
		]);
	}
	const text = await response.text();
	// Locked (or unlocked with another key) while this call was under way: its caller never resumes, so nothing
	// of the answer reaches the page.
	if (sessionCall && key !== session.key) return new Promise(() => {});
	let body = null;
	try {
		body = JSON.parse(text);
	} catch {
		// not JSON: reported below
	}
	if (response.status === 401 || response.status === 403) {
		throw new ApiError(response.status, [
			`The API key was not accepted (HTTP ${response.status}): enter the value of the n8n credential "Jobs API header auth".`,
		]);
	}
	if (response.status === 404 && !body?.action) {
		throw new ApiError(404, [`n8n does not serve ${API_URL} (HTTP 404): activate the workflow "Supabase Jobs: dashboard".`]);
	}
	if (!body || typeof body !== 'object') {
		throw new ApiError(response.status, [`n8n answered HTTP ${response.status} without JSON: ${text.slice(0, 200) || '(empty)'}`]);
	}
	if (!response.ok && response.status !== 207) {
		const messages = Array.isArray(body.errors) ? body.errors.map(String) : [String(body.message ?? `HTTP ${response.status}`)];
		throw new ApiError(response.status, messages);
	}
	return body;
}

// ---- the notice line: what the last action did, in words
let noticeTimer;
function notify(kind, message) {
	const notice = byId('notice');
	fill(notice, message);
	notice.className = `notice ${kind}`;
	notice.hidden = false;
	clearTimeout(noticeTimer);
	if (kind === 'ok') noticeTimer = setTimeout(() => (notice.hidden = true), 15_000);
}
const notifyError = (what, error) => notify('bad', `${what}: ${error instanceof ApiError ? error.messages.join(' · ') : error.message}`);
