// One job: its fields, payload, result, error, runs as a timeline, events, and the cancel and retry buttons.
// While the panel is open the refresh keeps it current, so a status change shows without reloading.

const jobPanel = { id: null, job: null };

async function openJob(id) {
	jobPanel.id = id;
	jobPanel.job = null;
	byId('job-panel').hidden = false;
	fill(byId('job-title'), `Job ${shortId(id)}`);
	byId('job-cancel').disabled = true;
	byId('job-retry').disabled = true;
	byId('cancel-reason').value = '';
	fill(byId('job-body'), h('p', { className: 'muted' }, 'Loading…'));
	try {
		await loadJob();
	} catch (error) {
		fill(byId('job-body'), h('p', { className: 'error' }, error instanceof ApiError ? error.messages.join(' · ') : error.message));
	}
}

function closeJob() {
	jobPanel.id = null;
	byId('job-panel').hidden = true;
}

async function loadJob() {
	if (!jobPanel.id) return;
	const id = jobPanel.id;
	const body = await callApi('job', { id });
	if (jobPanel.id !== id) return; // closed or another job opened meanwhile
	jobPanel.job = body.job;
	renderJob(body);
}

function renderJob({ job, runs, events }) {
	const status = displayStatus(job);
	fill(byId('job-title'), `${job.job_type} · ${shortId(job.id)}`);
	byId('job-cancel').disabled = !(job.status === 'queued' || job.status === 'running');
	byId('job-retry').disabled = !(job.status === 'failed' || job.status === 'cancelled' || status === 'scheduled');
	const facts = [
		['Status', [badge(status), job.progress !== null && job.status === 'running' ? ` ${job.progress} %` : null]],
		['Job id', h('span', { className: 'mono' }, job.id)],
		['Queue', job.queue],
		['Source', job.source],
		['Job type', job.job_type],
		['Priority', String(job.priority)],
		['Attempts', `${job.attempts} of at most ${job.max_retries + 1}`],
		['Idempotency key', job.idempotency_key ?? '–'],
		['Worker', job.worker_id ?? '–'],
		['Created', time(job.created_at)],
		['Scheduled', `${time(job.scheduled_at)} (${relative(job.scheduled_at)})`],
		['Started', time(job.started_at)],
		['Finished', time(job.finished_at)],
	];
	fill(
		byId('job-body'),
		h(
			'dl',
			{ className: 'facts' },
			facts.map(([label, value]) => [h('dt', null, label), h('dd', null, value)]),
		),
		h('h3', null, 'Payload'),
		h('pre', { id: 'job-payload' }, pretty(job.payload)),
		h('h3', null, 'Result'),
		h('pre', { id: 'job-result' }, pretty(job.result)),
		job.error ? [h('h3', null, 'Error'), h('pre', { id: 'job-error', className: 'error' }, job.error)] : null,
		h('h3', null, `Runs (${runs.length})`),
		renderRuns(runs),
		h('h3', null, `Events (${events.length})`),
		h(
			'ul',
			{ className: 'events' },
			events.map((e) =>
				h(
					'li',
					null,
					h('span', { className: 'muted' }, time(e.created_at)),
					' ',
					h('strong', null, e.event_type),
					e.message ? ` ${e.message}` : '',
					e.data ? h('pre', null, pretty(e.data)) : null,
				),
			),
		),
	);
}

function renderRuns(runs) {
	if (!runs.length) return h('p', { className: 'muted' }, 'No runs yet.');
	const end = (r) => (r.finished_at ? Date.parse(r.finished_at) : Date.now());
	const from = Math.min(...runs.map((r) => Date.parse(r.started_at)));
	const span = Math.max(1, Math.max(...runs.map(end)) - from);
	return h(
		'div',
		{ className: 'timeline' },
		runs.map((run) => {
			const bar = h('span', { className: run.status });
			bar.style.left = `${((Date.parse(run.started_at) - from) / span) * 100}%`;
			bar.style.width = `${((end(run) - Date.parse(run.started_at)) / span) * 100}%`;
			return h(
				'div',
				{ className: 'run' },
				h('span', null, `#${run.attempt} `, badge(run.status)),
				h('div', { className: 'run-bar', title: `${time(run.started_at)} → ${time(run.finished_at)}` }, bar),
				h(
					'div',
					{ className: 'run-meta' },
					`${duration(run.duration_ms ?? end(run) - Date.parse(run.started_at))} · worker ${run.worker_id ?? '–'} · started ${time(run.started_at)}`,
					run.error ? h('div', { className: 'error' }, run.error) : null,
				),
			);
		}),
	);
}

async function cancelJob() {
	const id = jobPanel.id;
	const reason = byId('cancel-reason').value.trim();
	try {
		const { job } = await callApi('cancel', { id, ...(reason ? { reason } : {}) });
		byId('cancel-reason').value = '';
		notify('ok', `Cancelled job ${shortId(id)} (${job.job_type}): its status is now ${job.status}.`);
	} catch (error) {
		notifyError(`Could not cancel job ${shortId(id)}`, error);
	}
	await refresh();
}

async function retryJob() {
	const id = jobPanel.id;
	try {
		const { job } = await callApi('retry', { id });
		notify('ok', `Job ${shortId(id)} (${job.job_type}) is queued again and due now, with ${job.max_retries + 1} attempts.`);
	} catch (error) {
		notifyError(`Could not retry job ${shortId(id)}`, error);
	}
	await refresh();
}

function wireJobPanel() {
	byId('job-close').addEventListener('click', closeJob);
	byId('job-cancel').addEventListener('click', cancelJob);
	byId('job-retry').addEventListener('click', retryJob);
}
