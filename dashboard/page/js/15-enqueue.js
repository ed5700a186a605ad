// The enqueue form: checked in the page first (each problem named), then by the API.

/** Reads the form into API parameters, or returns the problems in words. */
function readEnqueueForm(form) {
	const value = (name) => String(form.elements[name].value ?? '').trim();
	const errors = [];
	const params = { queue: value('queue'), source: value('source'), jobType: value('jobType') };
	if (!params.queue) errors.push('Queue is required (the default queue is "default").');
	if (!params.source) errors.push('Source is required: who enqueues it, e.g. "dashboard".');
	if (!params.jobType) errors.push('Job type is required: it picks the worker handler, e.g. "example".');
	const payloadText = value('payload') || '{}';
	try {
		const payload = JSON.parse(payloadText);
		if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
			errors.push('Payload must be a JSON object, e.g. {"projectId": "xyz123"}.');
		else params.payload = payload;
	} catch (error) {
		errors.push(`Payload is not valid JSON: ${error.message}.`);
	}
	const whole = (name, label, min, max) => {
		const text = value(name);
		if (text === '') return;
		const n = Number(text);
		if (!Number.isInteger(n) || n < min || n > max) errors.push(`${label} must be a whole number from ${min} to ${max}.`);
		else params[name] = n;
	};
	whole('priority', 'Priority', 0, 1000000);
	whole('maxRetries', 'Max retries', 0, 1000);
	const runAt = value('runAt');
	if (runAt) {
		const when = new Date(runAt);
		if (Number.isNaN(when.getTime())) errors.push('Run at is not a valid date and time.');
		else params.runAt = when.toISOString();
	}
	const idempotencyKey = value('idempotencyKey');
	if (idempotencyKey) params.idempotencyKey = idempotencyKey;
	return { params, errors };
}

function showEnqueueErrors(errors) {
	const list = byId('enqueue-errors');
	fill(
		list,
		errors.map((e) => h('li', null, e)),
	);
	list.hidden = errors.length === 0;
}

async function submitEnqueue(event) {
	event.preventDefault();
	const form = event.target;
	const { params, errors } = readEnqueueForm(form);
	showEnqueueErrors(errors);
	if (errors.length) return;
	try {
		const body = await callApi('enqueue', params);
		notify(
			'ok',
			body.duplicate
				? `A job with idempotency key "${params.idempotencyKey}" already exists in queue "${body.queue}": job ${shortId(body.jobId)}, ${body.status}. Nothing new was enqueued.`
				: `Enqueued job ${shortId(body.jobId)} (${params.jobType}) in queue "${body.queue}": ${body.status}. Its status updates on the right.`,
		);
		form.elements.idempotencyKey.value = '';
		await openJob(body.jobId);
	} catch (error) {
		if (error instanceof ApiError && error.status === 400) showEnqueueErrors(error.messages);
		notifyError('Could not enqueue the job', error);
	}
	await refresh();
}

function wireEnqueue() {
	const form = byId('enqueue-form');
	form.addEventListener('submit', submitEnqueue);
	form.elements.payload.addEventListener('input', () =>
		showEnqueueErrors(readEnqueueForm(form).errors.filter((e) => e.startsWith('Payload'))),
	);
}
