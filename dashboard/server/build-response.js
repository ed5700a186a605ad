// "Build Response" of the jobs dashboard API (an n8n expression of a Set node, like Read Request): turns what
// the queue node of the request's route returned (collected into $json.data) into {status, body}: the JSON the
// page reads, {ok: true, ...} or {ok: false, errors: [...]}, and its HTTP status. Queue nodes run with "On Error:
// Continue": a failed call arrives here as {error: "<message>"}.
const request = $('Read Request').first().json;
const { action, route } = request;
const items = $json.data;

// Which parts of the page the queue operations of this template serve (see dashboard/README.md). fastOverview:
// the stats come from an operation that stays fast on big queues (Get Stats counts from indexes, durations over a
// sample).
const FEATURES = {
	search: true,
	sortByPriority: true,
	waitingFilter: true,
	throughput: true,
	deadLetterGroups: true,
	fastOverview: true,
};

const statusOf = (message) =>
	/not found/i.test(message)
		? 404
		: /already|only .* can be|is (queued|running|completed|failed|cancelled)\b/i.test(message)
			? 409
			: /must be|is required|got /i.test(message)
				? 400
				: 500;
const respond = (status, body) => ({ status, body });
const fail = (messages, status = statusOf(messages[0])) => respond(status, { ok: false, action, errors: messages });
// A failed call is an item with only `error`; results always carry `id` (jobs, dead letters), `job` (get),
// `queue` (stats, pause, resume, dead letter groups) or `bucket` (throughput), and may have an `error` of their own
// (a job's last error).
const isFailure = (row) => typeof row.error === 'string' && !('id' in row) && !('job' in row) && !('queue' in row) && !('bucket' in row);
const rows = () => items.filter((row) => row.id !== undefined);
const firstError = items.find(isFailure);
const nextCursor = (list, limit) => (list.length === limit ? String(list[list.length - 1].seq) : null);
// by priority, a page goes on after the last row's priority and seq
const nextJobsCursor = (list, limit) =>
	list.length === limit && request.sort === 'priority'
		? `${list[list.length - 1].priority}:${list[list.length - 1].seq}`
		: nextCursor(list, limit);
// The table shows no payload or result: the row opens the job for those (keeps a page small).
const listed = (job) => {
	const { payload, result, ...rest } = job;
	return rest;
};

if (route === 'invalid') return fail(request.errors, 400);

if (action === 'requeue' || action === 'resolve') {
	const results = items.map((row, i) =>
		isFailure(row) ? { id: request.ids[i], ok: false, error: row.error } : { id: request.ids[i], ok: true, jobId: row.job_id ?? row.id },
	);
	const done = results.filter((r) => r.ok).length;
	return respond(done === results.length ? 200 : done === 0 ? statusOf(results[0].error) : 207, {
		ok: done === results.length,
		action,
		done,
		failed: results.length - done,
		results,
	});
}

if (firstError) return fail([firstError.error]);

switch (action) {
	case 'overview':
		return respond(200, {
			ok: true,
			action,
			queues: items.filter((q) => q.queue !== undefined),
			features: FEATURES,
			serverTime: new Date().toISOString(),
		});
	case 'jobs': {
		const jobs = rows();
		return respond(200, { ok: true, action, jobs: jobs.map(listed), nextCursor: nextJobsCursor(jobs, request.limit) });
	}
	case 'throughput':
		return respond(200, { ok: true, action, buckets: items.filter((b) => b.bucket !== undefined) });
	case 'deadLetterGroups':
		return respond(200, { ok: true, action, groups: items.filter((g) => g.queue !== undefined) });
	case 'deadLetters': {
		const deadLetters = rows();
		return respond(200, { ok: true, action, deadLetters, nextCursor: nextCursor(deadLetters, request.limit) });
	}
	case 'job':
		return respond(200, { ok: true, action, job: items[0].job, runs: items[0].runs, events: items[0].events });
	case 'cancel':
	case 'retry':
		return respond(200, { ok: true, action, job: listed(items[0]) });
	case 'pause':
	case 'resume':
		return respond(200, { ok: true, action, queue: items[0] });
	case 'enqueue':
		return respond(200, {
			ok: true,
			action,
			jobId: items[0].id,
			queue: items[0].queue,
			status: items[0].status,
			duplicate: items[0].duplicate,
		});
	default:
		return fail([`no response for action "${action}"`], 500);
}
