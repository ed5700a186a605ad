// The typed SQL API (nodes/shared/transport/functions.ts): the compiler rejects wrong calls (each expected
// error marked below fails `npm run typecheck`, and this file's compilation, the day that call type-checks),
// and the description matches the functions the migrations create.
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { JobsClient } from '../../nodes/shared/client';
import { runBatch } from '../../nodes/shared/runBatch';
import { QUEUE_SCHEMA, SQL_FUNCTIONS } from '../../nodes/shared/transport/functions';
import type { CallSpec, RpcTransport } from '../../nodes/shared/transport/types';
import { createTestDatabase, type TestDatabase } from '../support/database';

class RecordingTransport implements RpcTransport {
	readonly calls: Array<{ fn: string; args: Record<string, unknown>; spec: CallSpec }> = [];
	constructor(private readonly reply: unknown) {}
	async call(fn: string, args: Record<string, unknown>, spec: CallSpec): Promise<unknown> {
		this.calls.push({ fn, args, spec });
		return this.reply;
	}
}

// Never called: these only have to compile (or, where marked, not compile).
export async function wrongCallsDoNotCompile(client: JobsClient, ctx: IExecuteFunctions, items: INodeExecutionData[]) {
	await client.call('list_jobs', { p_queue: 'emails', p_limit: 5 });
	await client.call('get_queue_stats');
	// @ts-expect-error a misspelled argument name
	await client.call('list_jobs', { p_limt: 5 });
	// @ts-expect-error an argument of the wrong type
	await client.call('list_jobs', { p_limit: '5' });
	// @ts-expect-error a status that does not exist
	await client.call('list_jobs', { p_status: 'done' });
	// @ts-expect-error a required argument (p_worker_id) left out
	await client.call('claim_next_job', { p_queue: 'emails' });
	// @ts-expect-error a function the SQL API does not have
	await client.call('claim_job', {});
	// @ts-expect-error a batch item with a misspelled field
	await client.callBatch('complete_jobs', [{ jobid: 'x' }]);
	// @ts-expect-error not a batch function
	await client.callBatch('list_jobs', []);
	// @ts-expect-error runBatch's items are checked too (reason, not reasn)
	await runBatch(ctx, client, 'cancel_jobs', items, () => ({ job_id: 'x', reasn: 'typo' }));

	const [job] = await client.call('claim_next_job', { p_worker_id: 'w' });
	const seq: number = job.seq;
	// @ts-expect-error rows are typed: a job has no `name`
	const name: string = job.name;
	const due: string | null = await client.call('next_job_due_at');
	return { seq, name, due };
}

describe('the typed SQL API', () => {
	it('passes the declared jsonb arguments and result shape to the transport', async () => {
		const transport = new RecordingTransport([{ ordinal: 0, ok: true }]);
		const client = new JobsClient(transport);
		await client.callBatch('log_job_events', [{ job_id: 'a', message: 'hi' }]);
		await client.call('aggregate_metrics', { p_since: undefined });
		expect(transport.calls).toEqual([
			{ fn: 'log_job_events', args: { p_events: [{ job_id: 'a', message: 'hi' }] }, spec: SQL_FUNCTIONS.log_job_events },
			{ fn: 'aggregate_metrics', args: { p_since: undefined }, spec: SQL_FUNCTIONS.aggregate_metrics },
		]);
		expect(SQL_FUNCTIONS.log_job_events).toMatchObject({ shape: 'rows', json: ['p_events'] });
		expect(SQL_FUNCTIONS.aggregate_metrics).toMatchObject({ shape: 'scalar', json: [] });
	});

	describe('matches the migrations', () => {
		let db: TestDatabase;
		beforeAll(async () => {
			db = await createTestDatabase();
		});
		afterAll(async () => await db.drop());

		it('every function exists in mcp_jobs, its jsonb arguments are jsonb, and its result has the declared shape', async () => {
			const { rows } = await db.pool.query(
				`select p.proname as name, p.proretset as returns_set, t.typtype as result_type,
				        coalesce(array_agg(a.name) filter (where a.type = 'jsonb'::regtype), '{}') as jsonb_args
				   from pg_proc p
				   join pg_namespace n on n.oid = p.pronamespace
				   join pg_type t on t.oid = p.prorettype
				   left join lateral unnest(p.proargnames, coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes) as a(name, type, mode)
				          on a.mode is null or a.mode = 'i'
				  where n.nspname = $1
				  group by p.oid, p.proname, p.proretset, t.typtype`,
				[QUEUE_SCHEMA],
			);
			const actual = Object.fromEntries(rows.map((r) => [r.name, r]));
			for (const [name, spec] of Object.entries(SQL_FUNCTIONS)) {
				const fn = actual[name];
				expect({ name, exists: Boolean(fn) }).toEqual({ name, exists: true });
				const shape = fn.returns_set ? 'rows' : fn.result_type === 'c' ? 'row' : 'scalar';
				expect({ name, shape, json: [...fn.jsonb_args].sort() }).toEqual({ name, shape: spec.shape, json: [...spec.json].sort() });
			}
		});
	});
});
