// Every workflow template keeps one id forever: `n8n import:workflow --input=<file>` needs it, and users who import a
// template again get their workflow updated instead of a second copy. A changed id would give them that copy.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'workflows');

/** The released ids, 16 letters and digits like the ones n8n generates (jobs-dashboard.json's is set in dashboard/build/workflow.mjs). */
const IDS: Record<string, string> = {
	'dlq-alerting.json': 'supabaseJobsAlrt',
	'enqueue-http-api.json': 'supabaseJobsHttp',
	'error-handler.json': 'supabaseJobsErrH',
	'fan-out-fan-in.json': 'supabaseJobsFanO',
	'instant-worker.json': 'supabaseJobsInst',
	'jobs-dashboard.json': 'supabaseJobsDash',
	'maintenance.json': 'supabaseJobsMant',
	'recurring-job.json': 'supabaseJobsRecu',
	'scheduled-worker.json': 'supabaseJobsSchd',
};

const templates = readdirSync(DIR)
	.filter((file) => file.endsWith('.json'))
	.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { id?: string } }));

test('every template has its released id', () => {
	expect(Object.fromEntries(templates.map(({ file, workflow }) => [file, workflow.id]))).toEqual(IDS);
});

