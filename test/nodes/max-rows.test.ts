// Supabase answers every API call with at most Max Rows rows (1000 by default): batches are sent in chunks of the
// credential's Max Rows per Call, claims ask for no more, and an answer with missing rows fails loudly.
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions } from 'n8n-workflow';
import { JobsClient, RowCountError } from '../../nodes/shared/client';
import { testJobsCredential } from '../../nodes/shared/credentials';
import type { CallSpec, RpcTransport } from '../../nodes/shared/transport/types';
import { SupabaseTransport } from '../../nodes/shared/transport/supabaseTransport';
import type { TestDatabase } from '../support/database';
import { jsons, paired, rpcCallCount, runNode, useConnection, type Connection } from './support';

// the real call, taken before useConnection's spy wraps it
const supabaseCall = SupabaseTransport.prototype.call;

/** A Supabase API call whose answer keeps only `keep` rows (slice end), as when the project's Max Rows is lower. */
const cutShort = (keep: number) =>
	async function (this: SupabaseTransport, fn: string, args: Record<string, unknown>): Promise<unknown> {
		return ((await supabaseCall.call(this, fn, args)) as unknown[]).slice(0, keep);
	};

/** Answers each batch call with one row per item, or with `drop` rows fewer on the calls listed in `short`. */
class EchoTransport implements RpcTransport {
	readonly sizes: number[] = [];
	constructor(private readonly short: { calls: number[]; drop: number } = { calls: [], drop: 0 }) {}
	async call(_fn: string, args: Record<string, unknown>, spec: CallSpec & { items?: string }): Promise<unknown> {
		const items = args[spec.items ?? ''] as unknown[];
		this.sizes.push(items.length);
		const drop = this.short.calls.includes(this.sizes.length) ? this.short.drop : 0;
		return items.slice(0, items.length - drop).map((_, ordinal) => ({ ordinal, ok: true }));
	}
}

describe('JobsClient.callBatch (the Job Trigger finishes and renews leases through it)', () => {
	const items = Array.from({ length: 25 }, (_, i) => ({ job_id: `job-${i}` }));

	it('sends a batch in chunks of Max Rows per Call and returns every row in order', async () => {
		const transport = new EchoTransport();
		const rows = await new JobsClient(transport, 10).callBatch('heartbeat_jobs', items);
		expect(transport.sizes).toEqual([10, 10, 5]);
		expect(rows.map((r) => r.ordinal)).toEqual([...Array(10).keys(), ...Array(10).keys(), ...Array(5).keys()]);
	});

	it("over pg, in chunks of the function's own per-call maximum only", async () => {
		const transport = new EchoTransport();
		await new JobsClient(transport).callBatch('get_jobs', Array.from({ length: 2500 }, (_, i) => ({ job_id: `job-${i}` })));
		expect(transport.sizes).toEqual([1000, 1000, 500]);
	});

	it('throws naming the function and the counts when an answer has missing rows', async () => {
		const transport = new EchoTransport({ calls: [2], drop: 3 });
		const call = new JobsClient(transport, 10).callBatch('complete_jobs', items);
		await expect(call).rejects.toThrow(new RowCountError('complete_jobs', 10, 7, ''));
		await expect(call).rejects.toMatchObject({ description: expect.stringContaining('Set Max Rows per Call in the credential') });
		expect(transport.sizes).toEqual([10, 10]);
	});
});

describe('Max Rows per Call over the Supabase API', () => {
	const t = useConnection('supabaseApi', 'mcp_jobs.jobs');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));
	const maxRows = (n: number) => ({ ...conn.credentials, maxRowsPerCall: n });
	const supabaseSpy = () => conn.calls[1] as jest.SpyInstance<Promise<unknown>, Parameters<SupabaseTransport['call']>>;
	const enqueueParameters = { source: 'n8n', jobType: 'x' };

	it('Enqueue Job sends 25 items in 3 calls and outputs 25 jobs, paired in order', async () => {
		const input = Array.from({ length: 25 }, (_, n) => ({ n }));
		const result = await runNode(maxRows(10), 'enqueueJob', enqueueParameters, input);
		expect(rpcCallCount(conn)).toBe(3);
		const out = result.outputOf('Node');
		expect(paired(out)).toEqual(input.map((_, item) => ({ item })));
		const { rows } = await db.pool.query('select id, payload from mcp_jobs.jobs order by seq');
		expect(rows.map((r) => r.payload)).toEqual(input);
		expect(jsons(out).map((j) => j.id)).toEqual(rows.map((r) => r.id));
	});

	it('Claim Job claims no more jobs than one answer returns', async () => {
		await db.pool.query("select mcp_jobs.enqueue_job('t', 'x') from generate_series(1, 5)");
		const result = await runNode(maxRows(2), 'claimJob', { queue: 'default', batchSize: 5, workerId: 'w' });
		expect(result.outputOf('Node')).toHaveLength(2);
		const { rows } = await db.pool.query('select status, count(*)::int as n from mcp_jobs.jobs group by status order by status');
		expect(rows).toEqual([
			{ status: 'queued', n: 3 },
			{ status: 'running', n: 2 },
		]);
	});

	it('fails loudly, naming the function and counts, when an answer has missing rows', async () => {
		supabaseSpy().mockImplementationOnce(cutShort(-1));
		const result = await runNode(maxRows(10), 'enqueueJob', enqueueParameters, [{}, {}, {}]);
		expect(result.run.status).toBe('error');
		expect(result.errorOf('Node')).toMatchObject({
			message: 'enqueue_jobs returned 2 rows for the 3 items sent in one call',
			description: expect.stringContaining('Set Max Rows per Call in the credential to that number (now 10) or lower'),
		});
		expect((await db.pool.query('select count(*)::int as n from mcp_jobs.jobs')).rows[0].n).toBe(3);
	});

	it('with Continue (error output), only the items of the cut-short call go to the error output', async () => {
		supabaseSpy().mockImplementationOnce(supabaseCall).mockImplementationOnce(cutShort(1));
		const input = [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }];
		const result = await runNode(maxRows(2), 'enqueueJob', enqueueParameters, input, { onError: 'continueErrorOutput' });
		expect(result.run.status).toBe('success');
		expect(paired(result.outputOf('Node', 0))).toEqual([{ item: 0 }, { item: 1 }]);
		const errors = result.outputOf('Node', 1);
		expect(paired(errors)).toEqual([{ item: 2 }, { item: 3 }]);
		expect(errors[0].json.error).toBe('enqueue_jobs returned 1 row for the 2 items sent in one call');
	});

	it('the credential test names the field when Max Rows per Call is not a whole number of at least 1', async () => {
		const data: ICredentialDataDecryptedObject = maxRows(0);
		const result = await testJobsCredential.call({} as ICredentialTestFunctions, { id: 't', name: 't', type: 'supabaseJobsApi', data });
		expect(result).toEqual({
			status: 'Error',
			message: "Max Rows per Call must be a whole number of at least 1 (the project's Max Rows, 1000 unless changed), got 0",
		});
	});
});

describe('Max Rows per Call over Postgres', () => {
	const t = useConnection('postgres', 'mcp_jobs.jobs');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	it('is ignored: pg returns every row, so a batch goes in one call', async () => {
		await runNode({ ...conn.credentials, maxRowsPerCall: 2 }, 'enqueueJob', { source: 'n8n', jobType: 'x' }, [{}, {}, {}, {}, {}]);
		expect(rpcCallCount(conn)).toBe(1);
		expect((await db.pool.query('select count(*)::int as n from mcp_jobs.jobs')).rows[0].n).toBe(5);
	});

	it("sends more items than a function takes per call in chunks (Job Queue's admin batches take 1000)", async () => {
		const { rows } = await db.pool.query("select mcp_jobs.enqueue_job('t', 'x') as id from generate_series(1, 1001)");
		const result = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'cancel', jobId: { __rl: true, mode: 'id', value: '={{ $json.id }}' } }, rows);
		expect(rpcCallCount(conn)).toBe(2);
		expect(result.outputOf('Node')).toHaveLength(1001);
		expect((await db.pool.query("select count(*)::int as n from mcp_jobs.jobs where status = 'cancelled'")).rows[0].n).toBe(1001);
	});
});
