// Jobs: filters, keyset paging, sort; a row opens the job.

const jobsView = { filters: {}, cursors: [null], rows: [], nextCursor: null, requests: 0 };

/** The filter form as API parameters (empty fields left out). */
function readJobFilters() {
	const form = new FormData(byId('jobs-filters'));
	const filters = {};
	for (const [key, value] of form)
		if (String(value).trim() !== '' && !(key === 'sort' && value === 'created')) filters[key] = String(value).trim();
	return filters;
}

/** Disables the filters the template's queue operations cannot serve yet, saying why. */
function applyJobFeatures(features) {
	const form = byId('jobs-filters');
	const missing = [];
	if (!features.search) missing.push('search by job id or idempotency key');
	if (!features.sortByPriority) missing.push('sorting by priority');
	if (!features.waitingFilter) missing.push('the "waiting" status filter');
	form.elements.search.disabled = !features.search;
	form.elements.sort.querySelector('option[value="priority"]').disabled = !features.sortByPriority;
	form.elements.status.querySelector('option[value="waiting"]').disabled = !features.waitingFilter;
	const hint = byId('jobs-hint');
	hint.hidden = missing.length === 0;
	fill(hint, missing.length ? `Not available with this version of the package's Job Queue node: ${missing.join(', ')}.` : '');
}

async function loadJobs() {
	const request = ++jobsView.requests;
	const cursor = jobsView.cursors[jobsView.cursors.length - 1];
	const body = await callApi('jobs', { ...jobsView.filters, ...(cursor ? { cursor } : {}) });
	if (request !== jobsView.requests) return; // a later request (other filters, another page) answers instead
	jobsView.rows = body.jobs;
	jobsView.nextCursor = body.nextCursor;
	renderJobs();
}

function renderJobs() {
	const head = h(
		'tr',
		null,
		['Created', 'Job type', 'Source', 'Queue', 'Status', 'Priority', 'Attempts', 'Scheduled', 'Duration', 'Job id'].map((label, i) =>
			h('th', { className: i === 5 || i === 6 || i === 8 ? 'num' : '' }, label),
		),
	);
	const rows = jobsView.rows.map((job) => {
		const ran = job.started_at && job.finished_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : null;
		return h(
			'tr',
			{
				tabIndex: 0,
				dataset: { jobId: job.id },
				on: { click: () => openJob(job.id), keydown: (e) => e.key === 'Enter' && openJob(job.id) },
			},
			h('td', null, timeCell(job.created_at)),
			h('td', null, job.job_type),
			h('td', null, job.source),
			h('td', null, job.queue),
			h('td', null, badge(displayStatus(job)), job.error ? h('div', { className: 'error truncate', title: job.error }, job.error) : null),
			h('td', { className: 'num' }, job.priority),
			h('td', { className: 'num' }, `${job.attempts} / ${job.max_retries + 1}`),
			h('td', null, timeCell(job.scheduled_at)),
			h('td', { className: 'num' }, duration(ran)),
			h('td', { className: 'mono', title: job.id }, shortId(job.id)),
		);
	});
	fill(
		byId('jobs-table'),
		h('thead', null, head),
		h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colSpan: 10, className: 'empty' }, 'No jobs match these filters.'))),
	);
	const page = jobsView.cursors.length;
	fill(byId('jobs-page'), `page ${page}${rows.length ? `, ${rows.length} jobs` : ''}`);
	byId('jobs-newer').disabled = page === 1;
	byId('jobs-older').disabled = !jobsView.nextCursor;
}

async function showJobs(change) {
	change();
	try {
		await loadJobs();
	} catch (error) {
		notifyError('Could not list the jobs', error);
	}
}

function wireJobs() {
	const form = byId('jobs-filters');
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		showJobs(() => Object.assign(jobsView, { filters: readJobFilters(), cursors: [null] }));
	});
	form.addEventListener('reset', () => setTimeout(() => showJobs(() => Object.assign(jobsView, { filters: {}, cursors: [null] }))));
	byId('jobs-older').addEventListener('click', () => showJobs(() => jobsView.cursors.push(jobsView.nextCursor)));
	byId('jobs-newer').addEventListener('click', () => showJobs(() => jobsView.cursors.length > 1 && jobsView.cursors.pop()));
}
