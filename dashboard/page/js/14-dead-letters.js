// Dead letters: unresolved ones grouped by final error, a list with bulk select, requeue and resolve.

const DEAD_LETTER_PAGE = 500;
const DEAD_LETTER_GROUPS = 100;
const deadLetters = { rows: [], selected: new Set(), groups: null };

async function loadDeadLetters() {
	const [body, grouped] = await Promise.all([
		callApi('deadLetters', { limit: DEAD_LETTER_PAGE }),
		app.features.deadLetterGroups ? callApi('deadLetterGroups', { limit: DEAD_LETTER_GROUPS }) : null,
	]);
	deadLetters.rows = body.deadLetters;
	deadLetters.groups = grouped ? grouped.groups : null;
	const listed = new Set(body.deadLetters.map((d) => d.id));
	for (const id of deadLetters.selected) if (!listed.has(id)) deadLetters.selected.delete(id);
	renderDeadLetters(body.nextCursor !== null);
}

/** The server's groups (all unresolved dead letters, by queue and final error); `ids`: those of the listed rows. */
function serverGroups(groups, rows) {
	return groups.map((g) => ({
		error: g.final_error ?? '',
		count: Number(g.dead_letters),
		ids: rows.filter((d) => d.queue === g.queue && (d.final_error ?? '') === (g.final_error ?? '')).map((d) => d.id),
		queues: [g.queue],
		jobTypes: g.job_types,
		last: g.newest_at,
	}));
}

/** Groups the listed rows by final error (the first 300 characters), biggest group first. */
function groupByError(rows) {
	const groups = new Map();
	for (const d of rows) {
		const key = String(d.final_error ?? '').slice(0, 300);
		const group = groups.get(key) ?? { error: key, ids: [], queues: new Set(), jobTypes: new Set(), last: d.created_at };
		group.ids.push(d.id);
		group.queues.add(d.queue);
		group.jobTypes.add(d.job_type);
		if (d.created_at > group.last) group.last = d.created_at;
		groups.set(key, group);
	}
	return [...groups.values()].map((g) => ({ ...g, count: g.ids.length })).sort((a, b) => b.count - a.count || (a.last < b.last ? 1 : -1));
}

function renderDeadLetters(more) {
	const server = deadLetters.groups;
	const groups = server ? serverGroups(server, deadLetters.rows) : groupByError(deadLetters.rows);
	const total = groups.reduce((sum, g) => sum + g.count, 0);
	fill(
		byId('groups-hint'),
		server
			? `${count(total)} unresolved dead letters in ${groups.length === DEAD_LETTER_GROUPS ? `the ${DEAD_LETTER_GROUPS} largest groups` : `${groups.length} group(s)`}` +
					(more ? `; the list below shows the newest ${DEAD_LETTER_PAGE}, "Select" selects those of a group.` : '.')
			: more
				? `Grouped over the newest ${DEAD_LETTER_PAGE} unresolved dead letters; resolve or requeue them to see older ones.`
				: `${count(deadLetters.rows.length)} unresolved dead letters in ${groups.length} group(s).`,
	);
	fill(
		byId('groups-table'),
		h(
			'thead',
			null,
			h(
				'tr',
				null,
				['Final error', 'Count', 'Queues', 'Job types', 'Last', ''].map((label) => h('th', null, label)),
			),
		),
		h(
			'tbody',
			null,
			groups.length
				? groups.map((g) =>
						h(
							'tr',
							null,
							h('td', { className: 'error' }, g.error || '(no message)'),
							h('td', { className: 'num' }, count(g.count)),
							h('td', null, [...g.queues].join(', ')),
							h('td', null, [...g.jobTypes].join(', ')),
							h('td', null, timeCell(g.last)),
							h(
								'td',
								null,
								h(
									'button',
									{
										type: 'button',
										className: 'secondary',
										disabled: g.ids.length === 0,
										on: { click: () => selectDeadLetters(g.ids, true) },
									},
									`Select ${g.ids.length}`,
								),
							),
						),
					)
				: h('tr', null, h('td', { colSpan: 6, className: 'empty' }, 'No unresolved dead letters.')),
		),
	);

	const allSelected = deadLetters.rows.length > 0 && deadLetters.rows.every((d) => deadLetters.selected.has(d.id));
	const selectAll = h('input', {
		type: 'checkbox',
		checked: allSelected,
		ariaLabel: 'Select all',
		on: {
			change: (e) =>
				selectDeadLetters(
					deadLetters.rows.map((d) => d.id),
					e.target.checked,
				),
		},
	});
	fill(
		byId('dead-letters-table'),
		h(
			'thead',
			null,
			h(
				'tr',
				null,
				h('th', null, selectAll),
				['Dead since', 'Job type', 'Source', 'Queue', 'Attempts', 'Final error', 'Job'].map((label) => h('th', null, label)),
			),
		),
		h(
			'tbody',
			null,
			deadLetters.rows.map((d) =>
				h(
					'tr',
					{ dataset: { deadLetterId: d.id } },
					h(
						'td',
						null,
						h('input', {
							type: 'checkbox',
							checked: deadLetters.selected.has(d.id),
							ariaLabel: `Select dead letter ${shortId(d.id)}`,
							on: { change: (e) => selectDeadLetters([d.id], e.target.checked) },
						}),
					),
					h('td', null, timeCell(d.created_at)),
					h('td', null, d.job_type),
					h('td', null, d.source),
					h('td', null, d.queue),
					h('td', { className: 'num' }, d.attempts),
					h('td', { className: 'error truncate', title: d.final_error ?? '' }, d.final_error ?? ''),
					h(
						'td',
						null,
						h('button', { type: 'button', className: 'secondary mono', on: { click: () => openJob(d.job_id) } }, shortId(d.job_id)),
					),
				),
			),
		),
	);
	renderSelection();
}

function selectDeadLetters(ids, on) {
	for (const id of ids) on ? deadLetters.selected.add(id) : deadLetters.selected.delete(id);
	renderDeadLetters(false);
}

function renderSelection() {
	const n = deadLetters.selected.size;
	fill(byId('selected-count'), `${n} selected`);
	byId('requeue-selected').disabled = n === 0;
	byId('resolve-selected').disabled = n === 0;
}

async function actOnDeadLetters(action) {
	const ids = [...deadLetters.selected];
	const notes = byId('dead-letter-notes').value.trim();
	if (action === 'resolve' && !notes) {
		notify('bad', 'Write a note before resolving: what was done about these jobs (they will not run again).');
		byId('dead-letter-notes').focus();
		return;
	}
	const verb = action === 'requeue' ? 'Requeued' : 'Resolved';
	try {
		const body = await callApi(action, { ids, ...(action === 'resolve' ? { notes } : {}) });
		const failures = body.results.filter((r) => !r.ok);
		for (const r of body.results) if (r.ok) deadLetters.selected.delete(r.id);
		const what = `${verb} ${body.done} dead letter(s)${action === 'requeue' ? ': their jobs run again with fresh attempts' : ''}`;
		if (failures.length)
			notify(
				'bad',
				`${what}; ${failures.length} failed: ${failures
					.slice(0, 3)
					.map((f) => `${shortId(f.id)}: ${f.error}`)
					.join(' · ')}`,
			);
		else notify('ok', `${what}.`);
		if (action === 'resolve' && body.done) byId('dead-letter-notes').value = '';
	} catch (error) {
		notifyError(`Could not ${action} the dead letters`, error);
	}
	await refresh();
}

function wireDeadLetters() {
	byId('requeue-selected').addEventListener('click', () => actOnDeadLetters('requeue'));
	byId('resolve-selected').addEventListener('click', () => actOnDeadLetters('resolve'));
	byId('dead-letter-actions').addEventListener('submit', (e) => e.preventDefault());
}
