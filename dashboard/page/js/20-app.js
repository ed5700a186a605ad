// The page: the key prompt, the views, and the refresh loop (every 5 s, only while the tab is visible).

const REFRESH_MS = 5000;
const WATCH_MS = 1000; // an open job that is queued or running is re-read this often
const THROUGHPUT_MS = 60_000; // hourly buckets: once a minute is plenty
const app = { view: 'overview', features: {}, timer: null, watchTimer: null, throughputAt: 0, pending: null, again: false };

async function loadOverview() {
	const body = await callApi('overview');
	app.features = body.features ?? {};
	renderQueues(body.queues);
}

async function loadThroughput() {
	app.throughputAt = Date.now();
	if (!app.features.throughput) return renderThroughput(null);
	const body = await callApi('throughput');
	renderThroughput(body.buckets);
}

/** Reloads what is on screen (the visible view and the open job); a refresh asked for while one runs runs after it. */
function refresh() {
	if (app.pending) {
		app.again = true;
		return app.pending;
	}
	clearTimeout(app.timer);
	app.pending = (async () => {
		do {
			app.again = false;
			await refreshOnce();
		} while (app.again);
	})().finally(() => {
		app.pending = null;
		schedule();
	});
	return app.pending;
}

async function refreshOnce() {
	const started = performance.now();
	const tasks = [];
	if (app.view === 'overview') tasks.push(loadOverview());
	if (app.view === 'overview' && Date.now() - app.throughputAt > THROUGHPUT_MS) tasks.push(loadThroughput());
	if (app.view === 'jobs') tasks.push(loadJobs());
	if (app.view === 'dead-letters') tasks.push(loadDeadLetters());
	if (jobPanel.id) tasks.push(loadJob());
	const failures = (await Promise.allSettled(tasks)).filter((r) => r.status === 'rejected').map((r) => r.reason);
	const ms = Math.round(performance.now() - started);
	performance.measure('dashboard:refresh', { start: started, duration: ms });
	const status = byId('refresh-status');
	if (failures.some((e) => e instanceof ApiError && (e.status === 401 || e.status === 403)))
		return lock('The API key is no longer accepted: enter it again.');
	if (failures.length) {
		status.className = 'error';
		fill(
			status,
			`Refresh failed at ${new Date().toLocaleTimeString()}: ${failures[0] instanceof ApiError ? failures[0].messages.join(' · ') : failures[0].message}`,
		);
	} else {
		status.className = 'muted';
		fill(status, `Updated ${new Date().toLocaleTimeString()} in ${ms} ms`);
	}
}

function schedule() {
	clearTimeout(app.timer);
	if (!session.key || !byId('auto-refresh').checked) return;
	app.timer = setTimeout(() => (document.hidden ? schedule() : refresh()), REFRESH_MS);
}

/** While the open job is queued or running, follow it every second (a job's status updating live), unless refresh is off. */
function watchOpenJob() {
	clearTimeout(app.watchTimer);
	app.watchTimer = setTimeout(async () => {
		const job = jobPanel.job;
		if (
			session.key &&
			job &&
			byId('auto-refresh').checked &&
			!document.hidden &&
			(job.status === 'queued' || job.status === 'running') &&
			!app.pending
		) {
			const before = job.status;
			await loadJob().catch(() => undefined);
			if (jobPanel.job && jobPanel.job.status !== before) refresh();
		}
		watchOpenJob();
	}, WATCH_MS);
}

function setView(view) {
	app.view = view;
	for (const tab of document.querySelectorAll('.tab')) tab.setAttribute('aria-selected', String(tab.dataset.view === view));
	for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
	if (view === 'overview') app.throughputAt = 0;
	refresh();
}

async function unlock(event) {
	event.preventDefault();
	const input = byId('key-input');
	const error = byId('key-error');
	const key = input.value.trim();
	if (!key) return;
	const started = performance.now();
	byId('key-submit').disabled = true;
	error.hidden = true;
	try {
		const body = await callApi('overview', {}, key);
		session.key = key;
		input.value = '';
		app.features = body.features ?? {};
		applyJobFeatures(app.features);
		renderQueues(body.queues);
		// the chart follows when it comes: the first paint does not wait for it
		loadThroughput().catch((e) => notifyError('Could not load the throughput', e));
		byId('key-prompt').hidden = true;
		byId('app').hidden = false;
		await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
		performance.measure('dashboard:first-paint', { start: started, end: performance.now() });
		fill(byId('refresh-status'), `Updated ${new Date().toLocaleTimeString()}`);
		schedule();
		watchOpenJob();
	} catch (e) {
		fill(error, e instanceof ApiError ? e.messages.join(' · ') : e.message);
		error.hidden = false;
	} finally {
		byId('key-submit').disabled = false;
	}
}

/** Forgets the key and clears everything shown, back to the bare prompt (the key was only in memory). */
function lock(message = '') {
	session.key = '';
	clearTimeout(app.timer);
	clearTimeout(app.watchTimer);
	closeJob();
	const shown = [
		'queues-table',
		'pause-queue',
		'queue-names',
		'throughput',
		'jobs-table',
		'jobs-page',
		'groups-hint',
		'groups-table',
		'dead-letters-table',
		'job-title',
		'job-body',
		'notice',
		'refresh-status',
	];
	for (const id of shown) fill(byId(id));
	byId('notice').hidden = true;
	Object.assign(jobsView, { rows: [], cursors: [null] });
	Object.assign(deadLetters, { rows: [], selected: new Set(), groups: null });
	byId('app').hidden = true;
	byId('key-prompt').hidden = false;
	fill(byId('key-error'), message);
	byId('key-error').hidden = !message;
	byId('key-input').focus();
}

function start() {
	byId('key-form').addEventListener('submit', unlock);
	byId('lock').addEventListener('click', () => lock());
	byId('refresh-now').addEventListener('click', () => refresh());
	byId('auto-refresh').addEventListener('change', schedule);
	byId('pause-form').addEventListener('submit', pauseQueue);
	for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => setView(tab.dataset.view));
	document.addEventListener('visibilitychange', () => !document.hidden && session.key && refresh());
	wireJobs();
	wireJobPanel();
	wireDeadLetters();
	wireEnqueue();
}

start();
