// Numbers, times and durations as people read them.

const numberFormat = new Intl.NumberFormat();
const count = (n) => (n === null || n === undefined ? '–' : numberFormat.format(Number(n)));

function duration(ms) {
	if (ms === null || ms === undefined || ms === '') return '–';
	const n = Number(ms);
	if (n < 1000) return `${Math.round(n)} ms`;
	if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
	if (n < 3_600_000) return `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
	return `${Math.floor(n / 3_600_000)} h ${Math.round((n % 3_600_000) / 60_000)} min`;
}

/** "12 s", "3 min", "2 h 5 min", "4 d" for an age in seconds. */
function age(seconds) {
	if (seconds === null || seconds === undefined) return '–';
	const s = Math.max(0, Number(seconds));
	if (s < 60) return `${Math.round(s)} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min`;
	if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const time = (iso) => (iso ? timeFormat.format(new Date(iso)) : '–');

/** A time relative to now: "in 5 min", "3 min ago". */
function relative(iso) {
	if (!iso) return '–';
	const seconds = (Date.parse(iso) - Date.now()) / 1000;
	return seconds > 1 ? `in ${age(seconds)}` : `${age(-seconds)} ago`;
}

/** A <time> element: relative text, the exact time on hover. */
const timeCell = (iso) => (iso ? h('time', { dateTime: iso, title: time(iso) }, relative(iso)) : '–');

const percent = (value) => (value === null || value === undefined ? '–' : `${Number(value).toFixed(1)} %`);
const shortId = (id) => String(id ?? '').slice(0, 8);
const pretty = (value) => (value === null || value === undefined ? '(none)' : JSON.stringify(value, null, 2));

/** A job's status as shown: queued jobs scheduled in the future are "scheduled" ("waiting" ones wait for other jobs). */
const displayStatus = (job) => (job.status === 'queued' && Date.parse(job.scheduled_at) > Date.now() ? 'scheduled' : job.status);
const badge = (status) => h('span', { className: `badge ${status}` }, status);
