import type { TestDatabase } from '../support/database';
import { jsons, paired, rpcCallCount, runNode, TRANSPORTS, useConnection, type Connection } from './support';

describe.each(TRANSPORTS)('Enqueue Job over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	it('enqueues every input item in one call, payload = the item, output paired in order', async () => {
		const input = [{ orderId: 1 }, { orderId: 2 }, { orderId: 3 }];
		const result = await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: 'send_email', priority: 3 }, input);

		expect(rpcCallCount(conn)).toBe(1);
		const out = result.outputOf('Node');
		expect(paired(out)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const { rows } = await db.pool.query(
			'select id, payload, priority, source, job_type, status from mcp_jobs.jobs order by seq',
		);
		expect(rows.map((r) => r.payload)).toEqual(input);
		expect(jsons(out).map((j) => j.id)).toEqual(rows.map((r) => r.id));
		expect(rows.every((r) => r.priority === 3 && r.source === 'n8n' && r.job_type === 'send_email' && r.status === 'queued')).toBe(true);
		expect(jsons(out)[0]).toMatchObject({ queue: 'default', status: 'queued', duplicate: false });
	});

	it('evaluates expressions per item: JSON payload, job type, queue, run at, idempotency key', async () => {
		const runAt = new Date(Date.now() + 3_600_000).toISOString();
		const result = await runNode(
			conn,
			'enqueueJob',
			{
				source: 'api',
				jobType: '={{ $json.kind }}',
				payloadSource: 'json',
				payload: '={{ { "n": $json.n } }}',
				options: { queue: 'emails', runAt, maxRetries: 5, retryDelaySeconds: 10, idempotencyKey: '={{ "order-" + $json.n }}' },
			},
			[{ kind: 'a', n: 1 }, { kind: 'b', n: 2 }, { kind: 'a', n: 1 }],
		);
		const out = jsons(result.outputOf('Node'));
		expect(out.map((j) => j.duplicate)).toEqual([false, false, true]);
		expect(out[2].id).toBe(out[0].id);
		const { rows } = await db.pool.query(
			'select job_type, payload, queue, max_retries, retry_delay_seconds, idempotency_key, scheduled_at from mcp_jobs.jobs order by seq',
		);
		expect(rows).toHaveLength(2);
		expect(rows[0]).toMatchObject({ job_type: 'a', payload: { n: 1 }, queue: 'emails', max_retries: 5, retry_delay_seconds: 10, idempotency_key: 'order-1' });
		expect(new Date(rows[0].scheduled_at).toISOString()).toBe(runAt);
	});

	it('sets the group key per item (Group Key option), for the queue\'s group limits', async () => {
		await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: 'sync', options: { groupKey: '={{ $json.customer }}' } }, [
			{ customer: 'c-1' }, { customer: 'c-2' }, { customer: '' },
		]);
		const { rows } = await db.pool.query('select group_key from mcp_jobs.jobs order by seq');
		expect(rows).toEqual([{ group_key: 'c-1' }, { group_key: 'c-2' }, { group_key: null }]);
	});

	it('names the field for an empty job type and enqueues nothing', async () => {
		const result = await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: '={{ $json.t }}' }, [{ t: 'ok' }, { t: '' }]);
		expect(result.run.status).toBe('error');
		expect(result.errorOf('Node')).toMatchObject({ message: 'Job Type is empty', context: { itemIndex: 1 } });
		expect(rpcCallCount(conn)).toBe(0);
		expect((await db.pool.query('select count(*)::int as n from mcp_jobs.jobs')).rows[0].n).toBe(0);
	});

	it('with Continue (error output) sends only the bad item there and enqueues the others', async () => {
		const result = await runNode(
			conn,
			'enqueueJob',
			{ source: 'n8n', jobType: 'x', payloadSource: 'json', payload: '={{ $json.p }}' },
			[{ p: '{"a":1}' }, { p: '[1,2]' }, { p: '{"a":3}' }],
			{ onError: 'continueErrorOutput' },
		);
		expect(result.run.status).toBe('success');
		expect(paired(result.outputOf('Node', 0))).toEqual([{ item: 0 }, { item: 2 }]);
		const errors = result.outputOf('Node', 1);
		expect(paired(errors)).toEqual([{ item: 1 }]);
		expect(errors[0].json.error).toBe('Payload JSON must be a JSON object, got an array');
		expect(rpcCallCount(conn)).toBe(1);
		const { rows } = await db.pool.query('select payload from mcp_jobs.jobs order by seq');
		expect(rows.map((r) => r.payload)).toEqual([{ a: 1 }, { a: 3 }]);
	});

	it('rejects invalid JSON and a negative priority with the field named', async () => {
		const badJson = await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: 'x', payloadSource: 'json', payload: '{nope' });
		expect(badJson.errorOf('Node')?.message).toMatch(/^Payload JSON is not valid JSON/);
		const negative = await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: 'x', priority: -1 });
		expect(negative.errorOf('Node')?.message).toBe('Priority must be a whole number from 0 to 1000000, got -1');
		expect((await db.pool.query('select count(*)::int as n from mcp_jobs.jobs')).rows[0].n).toBe(0);
	});
});
