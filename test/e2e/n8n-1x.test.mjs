// The newest n8n 1.x (1.123.81, on Node 22 unless the running Node is 22 or 24), where many self-hosters still are:
// the package loads unchanged, its credential passes 1.x's public API, the templates import (n8n's CLI) and
// activate, 50 jobs go through the jobs HTTP API and the instant worker, failing ones are retried and
// dead-lettered, and the scheduled worker works. One n8n start for all of it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { N8N_1_VERSION } from '../../scripts/n8n/install.mjs';
import { copyWorkflow } from '../../scripts/n8n/provision.mjs';
import { guarded, openStack, outcomes, waitUntilFinished } from './support.mjs';

const ACTIVE = ['instant-worker.json', 'scheduled-worker.json', 'enqueue-http-api.json', 'dlq-alerting.json', 'maintenance.json'];
const NODE_TYPES = ['enqueueJob', 'claimJob', 'completeFailJob', 'jobQueue', 'jobTrigger'].map((n) => `n8n-nodes-supabase-jobs.${n}`);

let stack;
before(async () => {
	stack = await openStack({ n8nVersion: N8N_1_VERSION, activate: ACTIVE });
});
after(async () => {
	await stack?.close();
});
const guard = guarded(() => stack);

/** Enqueues through the jobs HTTP API template, as its callers do; returns the job ids. */
async function enqueueOverHttp(jobs) {
	const ids = [];
	for (const job of jobs) {
		const reply = await stack.api.callWebhook('jobs/enqueue', {
			body: { source: 'e2e-1x', ...job },
			headers: { 'X-API-Key': stack.apiKey },
		});
		assert.equal(reply.status, 200, JSON.stringify(reply.body));
		ids.push(reply.body.jobId);
	}
	return ids;
}

test(
	`n8n ${N8N_1_VERSION} on Node 22 loads the five nodes and the credential type`,
	guard(async () => {
		assert.equal(stack.n8n.version, N8N_1_VERSION);
		assert.ok(['22', '24'].includes(stack.n8n.nodeVersion.split('.')[0]), `runs on Node ${stack.n8n.nodeVersion}`);
		assert.match(stack.n8n.logs(), /Version: 1\.123\./);
		const types = (await stack.api.listNodeTypes()).map((n) => n.name);
		assert.deepEqual(
			NODE_TYPES.filter((t) => !types.includes(t)),
			[],
		);
		assert.ok((await stack.api.listCredentialTypes()).some((c) => c.name === 'supabaseJobsApi'));
	}),
);

test(
	"1.x's public API accepts the credential with either connection",
	guard(async () => {
		// the stack created the Postgres one through POST /api/v1/credentials; now a Supabase API one
		const created = await stack.api.createCredential({
			name: 'e2e Supabase API credential',
			type: 'supabaseJobsApi',
			data: { connection: 'supabaseApi', supabaseUrl: 'https://abcdefghijklmnop.supabase.co', serviceRoleKey: 'e2e-key', ssl: 'require' },
		});
		assert.ok(created.id);
		await stack.api.publicApi('DELETE', `/credentials/${created.id}`);
		assert.ok((await stack.api.listCredentials()).some((c) => c.type === 'supabaseJobsApi' && c.name === 'Supabase Jobs account'));
	}),
);

test(
	'the templates are imported under their ids and the five activated',
	guard(async () => {
		for (const file of ACTIVE) {
			const workflow = await stack.api.getWorkflow(stack.wf(file));
			assert.equal(workflow.active, true, `${file} active`);
		}
		assert.equal(stack.wf('instant-worker.json'), 'supabaseJobsInst');
	}),
);

test(
	'50 jobs through the jobs HTTP API complete in the instant worker; failing ones are retried once, then dead-lettered',
	guard(async () => {
		await stack.api.deactivateWorkflow(stack.wf('scheduled-worker.json')); // leave every job to the Job Trigger
		const ok = await enqueueOverHttp(Array.from({ length: 50 }, (_, i) => ({ jobType: 'example', payload: { i } })));
		const failing = await enqueueOverHttp(
			Array.from({ length: 5 }, (_, i) => ({ jobType: 'example', payload: { fail: true, i }, maxRetries: 1, retryDelaySeconds: 1 })),
		);
		await waitUntilFinished(stack.db, [...ok, ...failing], { timeoutMs: 120_000, label: 'n8n 1.x instant worker' });
		const byId = await outcomes(stack.db, [...ok, ...failing]);
		const summary = (ids) => ids.map((id) => byId.get(id)).map((o) => `${o.status} ${o.runs.join('/')} dlq=${o.dead_letters}`);
		assert.deepEqual(new Set(summary(ok)), new Set(['completed completed dlq=0']));
		assert.deepEqual(new Set(summary(failing)), new Set(['failed failed/failed dlq=1']));
		const workers = [...byId.values()].flatMap((o) => o.workers);
		assert.ok(
			workers.every((w) => w.startsWith('n8n-')),
			`every run by the Job Trigger: ${[...new Set(workers)].join(', ')}`,
		);
	}),
);

test(
	'the scheduled worker completes and dead-letters jobs (a copy ticking every 5 s)',
	guard(async () => {
		await stack.api.deactivateWorkflow(stack.wf('instant-worker.json'));
		const copy = await copyWorkflow(stack.api, stack.wf('scheduled-worker.json'), 'e2e 1.x: scheduled worker every 5 s', (node) => {
			if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule.interval = [{ field: 'seconds', secondsInterval: 5 }];
		});
		await stack.api.activateWorkflow(copy);
		try {
			const [done, dead] = await enqueueOverHttp([
				{ jobType: 'example', payload: { hello: '1.x' } },
				{ jobType: 'example', payload: { fail: true }, maxRetries: 0 },
			]);
			await waitUntilFinished(stack.db, [done, dead], { timeoutMs: 60_000, label: 'n8n 1.x scheduled worker' });
			const byId = await outcomes(stack.db, [done, dead]);
			assert.equal(byId.get(done).status, 'completed');
			assert.deepEqual([byId.get(dead).status, byId.get(dead).dead_letters], ['failed', 1]);
			assert.match(byId.get(done).workers[0], /^scheduled-worker-exec-\d+$/);
		} finally {
			await stack.api.deactivateWorkflow(copy);
		}
	}),
);
