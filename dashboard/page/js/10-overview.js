// Queues: counts, success rate, p95, oldest due job, and the pause switch.

const overview = { queues: [] };

function renderQueues(queues) {
	overview.queues = queues;
	const head = h(
		'tr',
		null,
		['Queue', 'State', 'Due', 'Scheduled', 'Running', 'Failed', 'Dead letters', 'Completed', 'Success', 'p95', 'Oldest due', ''].map(
			(label, i) => h('th', { className: i >= 2 && i <= 10 ? 'num' : '' }, label),
		),
	);
	const rows = queues.map((q) =>
		h(
			'tr',
			{ dataset: { queue: q.queue } },
			h('td', null, h('strong', null, q.queue)),
			h(
				'td',
				null,
				q.processing_enabled
					? badge('active')
					: [badge('paused'), q.paused_reason ? h('div', { className: 'muted' }, q.paused_reason) : null],
				limits(q) ? h('div', { className: 'muted', dataset: { field: 'limits' } }, limits(q)) : null,
			),
			h('td', { className: 'num', dataset: { field: 'due' } }, count(q.due)),
			h('td', { className: 'num', dataset: { field: 'waiting' } }, count(q.scheduled ?? q.waiting)),
			h(
				'td',
				{ className: 'num', dataset: { field: 'running' } },
				count(q.running),
				Number(q.stuck_running) ? h('div', { className: 'error' }, `${count(q.stuck_running)} stuck`) : null,
			),
			h('td', { className: 'num', dataset: { field: 'failed' } }, count(q.failed)),
			h('td', { className: 'num', dataset: { field: 'dead_letters' } }, count(q.dead_letters_unresolved)),
			h('td', { className: 'num', dataset: { field: 'completed' } }, count(q.completed)),
			h('td', { className: 'num', dataset: { field: 'success' } }, percent(q.success_rate_pct)),
			h('td', { className: 'num', dataset: { field: 'p95' } }, duration(q.p95_duration_ms)),
			h('td', { className: 'num', dataset: { field: 'oldest_due' } }, age(q.oldest_due_age_seconds)),
			h(
				'td',
				null,
				q.processing_enabled
					? h('button', { type: 'button', className: 'secondary', on: { click: () => choosePauseQueue(q.queue) } }, 'Pause…')
					: h('button', { type: 'button', on: { click: () => resumeQueue(q.queue) } }, 'Resume'),
			),
		),
	);
	fill(
		byId('queues-table'),
		h('thead', null, head),
		h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colSpan: 12, className: 'empty' }, 'No queues yet: enqueue a job.'))),
	);

	// the pause form and the queue name suggestions follow the list, keeping what the user chose
	const select = byId('pause-queue');
	const chosen = select.value;
	const running = queues.filter((q) => q.processing_enabled).map((q) => q.queue);
	fill(
		select,
		running.map((name) => h('option', { value: name, selected: name === chosen }, name)),
	);
	fill(
		byId('queue-names'),
		queues.map((q) => h('option', { value: q.queue })),
	);
}

/** The queue's flow control limits (set_queue_limits), when the queue has any: "≤ 5 running · 100 per 60 s". */
function limits(q) {
	const parts = [];
	if (q.max_running) parts.push(`≤ ${count(q.max_running)} running`);
	if (q.rate_limit) parts.push(`${count(q.rate_limit)} per ${count(q.rate_window_seconds)} s`);
	if (q.group_max_running) parts.push(`≤ ${count(q.group_max_running)} running per group`);
	if (q.group_rate_limit) parts.push(`${count(q.group_rate_limit)} per group per ${count(q.rate_window_seconds)} s`);
	if (Number(q.waiting_on_limit)) parts.push(`${count(q.waiting_on_limit)} held back by the limits`);
	return parts.join(' · ');
}

function choosePauseQueue(queue) {
	byId('pause-queue').value = queue;
	byId('pause-reason').focus();
}

async function pauseQueue(event) {
	event.preventDefault();
	const queue = byId('pause-queue').value;
	const reason = byId('pause-reason').value.trim();
	if (!queue) return notify('bad', 'Choose a queue to pause.');
	try {
		await callApi('pause', { queue, ...(reason ? { reason } : {}) });
		byId('pause-reason').value = '';
		notify('ok', `Paused queue "${queue}"${reason ? ` (${reason})` : ''}: workers claim nothing from it until it is resumed.`);
	} catch (error) {
		notifyError(`Could not pause queue "${queue}"`, error);
	}
	await refresh();
}

async function resumeQueue(queue) {
	try {
		await callApi('resume', { queue });
		notify('ok', `Resumed queue "${queue}": workers claim its jobs again.`);
	} catch (error) {
		notifyError(`Could not resume queue "${queue}"`, error);
	}
	await refresh();
}
