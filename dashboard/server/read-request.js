// "Read Request" of the jobs dashboard API (POST /webhook/jobs/dashboard/api, body {action, ...}): checks the
// body of one action and names every bad field, so the page can show a 400 in words. Returns the route for the
// Switch plus the checked parameters (the bulk dead letter actions keep their `ids`: a Split Out node makes one
// item per id). It runs as an n8n expression of a Set node, not in a Code node: an expression is evaluated in
// n8n itself, a Code node goes through the task runner, which costs tens of milliseconds per request.
const body = $input.first().json.body;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const b = isObject(body) ? body : {};
const errors = [];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['waiting', 'queued', 'running', 'completed', 'failed', 'cancelled'];

const text = (key, { required = false, example = '' } = {}) => {
	const v = b[key];
	if (v === undefined || v === null || v === '') {
		if (required) errors.push(`${key} is required${example ? `, e.g. ${example}` : ''}`);
		return '';
	}
	if (typeof v !== 'string' || v.trim() === '') {
		errors.push(`${key} must be a non-empty string${example ? `, e.g. ${example}` : ''}`);
		return '';
	}
	return v.trim();
};
const whole = (key, min, max, fallback) => {
	const v = b[key];
	if (v === undefined || v === null || v === '') return fallback;
	if (!Number.isInteger(v) || v < min || v > max) {
		errors.push(`${key} must be a whole number from ${min} to ${max}${fallback === undefined ? '' : `; default ${fallback}`}`);
		return fallback;
	}
	return v;
};
const oneOf = (key, values) => {
	const v = text(key);
	if (v && !values.includes(v)) errors.push(`${key} must be one of ${values.join(', ')}, got "${v}"`);
	return values.includes(v) ? v : '';
};
const jobId = (key = 'id') => {
	const v = text(key, { required: true, example: 'a job id (UUID)' });
	if (v && !UUID.test(v)) errors.push(`${key} must be a job id (a UUID), got "${v}"`);
	return v;
};
const cursor = () => {
	const v = text('cursor');
	if (v && !/^[0-9]+$/.test(v)) errors.push(`cursor must be the nextCursor of the previous page, got "${v}"`);
	return v ? Number(v) : 0;
};
// the jobs listing's cursor: a seq (newest first) or "<priority>:<seq>" (by priority), as nextCursor gave it
const jobsCursor = (sort) => {
	const v = text('cursor');
	const shape = sort === 'priority' ? /^[0-9]{1,9}:[0-9]{1,18}$/ : /^[0-9]{1,18}$/;
	if (v && !shape.test(v)) errors.push(`cursor must be the nextCursor of the previous page, got "${v}"`);
	return v;
};
const deadLetterIds = () => {
	const ids = b.ids;
	if (!Array.isArray(ids) || ids.length === 0 || ids.length > 500) {
		errors.push('ids is required: a list of 1 to 500 dead letter ids (UUIDs)');
		return [];
	}
	const bad = ids.filter((id) => typeof id !== 'string' || !UUID.test(id));
	if (bad.length)
		errors.push(
			`ids must all be dead letter ids (UUIDs); not: ${bad
				.slice(0, 3)
				.map((id) => JSON.stringify(id))
				.join(', ')}`,
		);
	return [...new Set(ids)];
};

// Each action: the body fields it accepts and how to read them.
const actions = {
	overview: () => ({ windowHours: whole('windowHours', 1, 8784, 24) }),
	jobs: () => {
		const sort = oneOf('sort', ['created', 'priority']) || 'created';
		const search = text('search');
		if (search.length > 200) errors.push(`search must be at most 200 characters, got ${search.length}`);
		return {
			queue: text('queue'),
			status: oneOf('status', STATUSES),
			source: text('source'),
			jobType: text('jobType'),
			search,
			sort,
			limit: whole('limit', 1, 200, 50),
			cursor: jobsCursor(sort),
		};
	},
	job: () => ({ id: jobId() }),
	cancel: () => ({ id: jobId(), reason: text('reason') || 'cancelled from the dashboard' }),
	retry: () => ({ id: jobId() }),
	deadLetters: () => ({ queue: text('queue'), limit: whole('limit', 1, 1000, 200), beforeSeq: cursor() }),
	deadLetterGroups: () => ({ queue: text('queue'), limit: whole('limit', 1, 1000, 50) }),
	throughput: () => ({ queue: text('queue'), hours: whole('hours', 1, 744, 24) }),
	requeue: () => ({ ids: deadLetterIds(), by: text('by') || 'dashboard' }),
	resolve: () => ({ ids: deadLetterIds(), by: text('by') || 'dashboard', notes: text('notes') }),
	pause: () => ({ queue: text('queue', { required: true, example: '"default"' }), reason: text('reason') }),
	resume: () => ({ queue: text('queue', { required: true, example: '"default"' }) }),
	enqueue: () => {
		const job = {
			source: text('source', { required: true, example: '"dashboard"' }),
			jobType: text('jobType', { required: true, example: '"discovery"' }),
			queue: text('queue') || 'default',
			priority: whole('priority', 0, 1000000, 5),
			maxRetries: whole('maxRetries', 0, 1000, 3),
			retryDelaySeconds: whole('retryDelaySeconds', 0, 2592000, 60),
			runAt: text('runAt'),
			idempotencyKey: text('idempotencyKey'),
			payload: b.payload === undefined ? {} : b.payload,
		};
		if (!isObject(job.payload)) errors.push('payload must be a JSON object, e.g. {"projectId": "xyz123"}');
		if (job.runAt && Number.isNaN(Date.parse(job.runAt)))
			errors.push(`runAt must be an ISO 8601 time, e.g. "2026-02-01T00:00:00Z", got "${job.runAt}"`);
		return job;
	},
};
const accepted = {
	overview: ['windowHours'],
	jobs: ['queue', 'status', 'source', 'jobType', 'search', 'sort', 'limit', 'cursor'],
	job: ['id'],
	cancel: ['id', 'reason'],
	retry: ['id'],
	deadLetters: ['queue', 'limit', 'cursor'],
	deadLetterGroups: ['queue', 'limit'],
	throughput: ['queue', 'hours'],
	requeue: ['ids', 'by'],
	resolve: ['ids', 'by', 'notes'],
	pause: ['queue', 'reason'],
	resume: ['queue'],
	enqueue: ['source', 'jobType', 'queue', 'priority', 'maxRetries', 'retryDelaySeconds', 'runAt', 'idempotencyKey', 'payload'],
};

const action = typeof b.action === 'string' ? b.action : '';
if (!isObject(body)) {
	errors.push('the body must be a JSON object like {"action": "overview"}, sent with Content-Type: application/json');
} else if (!actions[action]) {
	errors.push(`action must be one of ${Object.keys(actions).join(', ')}${action ? `, got "${action}"` : ''}`);
}
if (errors.length) return { route: 'invalid', action, errors };

for (const key of Object.keys(b)) {
	if (key !== 'action' && !accepted[action].includes(key))
		errors.push(`unknown field "${key}" for ${action}: it takes ${accepted[action].join(', ') || 'no fields'}`);
}
const params = actions[action]();
if (errors.length) return { route: 'invalid', action, errors };
return { route: action, action, ...params };
