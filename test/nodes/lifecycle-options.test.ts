// The nodes' side of the job lifecycle: Enqueue Job's Deduplication, Depends On and Max Snoozes options, Complete/Fail
// Job's Snooze operation, and Job Queue's Job → Get Results, over both transports.
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import type { TestDatabase } from '../support/database';
import { jsons, paired, rpcCallCount, runNode, TRANSPORTS, useConnection, type Connection } from './support';

describe.each(TRANSPORTS)('lifecycle options over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs, mcp_jobs.job_dependencies, mcp_jobs.dead_letter_queue');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	const enqueue = async (options: INodeParameters, input: IDataObject[] = [{}]) =>
		await runNode(conn, 'enqueueJob', { source: 'n8n', jobType: 'sync', options }, input);
	const jobs = async () => (await db.pool.query('select * from mcp_jobs.jobs order by seq')).rows;

	describe('Deduplication', () => {
		it('Replace (Debounce): the queued job takes the newest payload and run time, same id, replaced = true', async () => {
			const first = await enqueue({ idempotencyKey: 'k', dedupeMode: 'replace' }, [{ v: 1 }]);
			const runAt = new Date(Date.now() + 60_000).toISOString();
			const second = await enqueue({ idempotencyKey: 'k', dedupeMode: 'replace', runAt }, [{ v: 2 }]);
			expect(jsons(second.outputOf('Node'))[0]).toMatchObject({ id: jsons(first.outputOf('Node'))[0].id, replaced: true });
			const [job] = await jobs();
			expect(job.payload).toEqual({ v: 2 });
			expect(new Date(job.scheduled_at).toISOString()).toBe(runAt);
		});

		it('While Active: the key adds a new job once the first has finished', async () => {
			const options = { idempotencyKey: 'k', dedupeMode: 'while_active' };
			const [a] = jsons((await enqueue(options)).outputOf('Node'));
			expect(jsons((await enqueue(options)).outputOf('Node'))[0]).toMatchObject({ id: a.id, duplicate: true });
			await db.pool.query(`update mcp_jobs.jobs set status = 'completed', finished_at = now() where id = $1`, [a.id]);
			const [b] = jsons((await enqueue(options)).outputOf('Node'));
			expect(b).toMatchObject({ duplicate: false });
			expect(b.id).not.toBe(a.id);
		});

		it('Window (Throttle) sends dedupe_seconds; Forever sends nothing (the SQL default)', async () => {
			await enqueue({ idempotencyKey: 'w', dedupeMode: 'window', dedupeSeconds: 3600 });
			await enqueue({ idempotencyKey: 'f', dedupeMode: 'forever' });
			expect((await jobs()).map((j) => j.dedupe_key)).toEqual(['w', 'f']);
			const calls = conn.calls.flatMap((spy) => spy.mock.calls).map((args) => JSON.stringify(args));
			expect(calls.some((c) => c.includes('"dedupe_mode":"window"') && c.includes('"dedupe_seconds":3600'))).toBe(true);
			expect(calls.some((c) => c.includes('"idempotency_key":"f"') && c.includes('dedupe_mode'))).toBe(false);
		});

		it('a mode without an Idempotency Key is refused, naming both fields, and nothing is enqueued', async () => {
			const result = await enqueue({ dedupeMode: 'while_active' });
			expect(result.errorOf('Node')).toMatchObject({ message: 'Deduplication needs an Idempotency Key' });
			expect(rpcCallCount(conn)).toBe(0);
			expect(await jobs()).toEqual([]);
		});
	});

	describe('Depends On', () => {
		it('takes a list from an expression: the job waits, then is queued when they completed', async () => {
			const children = jsons((await enqueue({}, [{ i: 1 }, { i: 2 }])).outputOf('Node')).map((j) => j.id as string);
			const aggregate = await enqueue({ dependsOn: '={{ $json.children }}' }, [{ children }]);
			const [row] = jsons(aggregate.outputOf('Node'));
			expect(row).toMatchObject({ status: 'waiting' });
			const deps = await db.pool.query('select depends_on from mcp_jobs.job_dependencies where job_id = $1 order by depends_on', [row.id]);
			expect(deps.rows.map((r) => r.depends_on)).toEqual([...children].sort());
			for (const id of children) {
				await db.pool.query(`select mcp_jobs.complete_job(id, '{"ok":true}') from mcp_jobs.claim_next_job('w') where id = $1`, [id]);
			}
			expect((await db.pool.query('select status from mcp_jobs.jobs where id = $1', [row.id])).rows[0].status).toBe('queued');
		});

		it('accepts comma-separated ids; a non-id names the field and the element, nothing is enqueued', async () => {
			const [parent] = jsons((await enqueue({})).outputOf('Node'));
			const ok = await enqueue({ dependsOn: ` ${parent.id} , ` });
			expect(jsons(ok.outputOf('Node'))[0]).toMatchObject({ status: 'waiting' });
			const bad = await enqueue({ dependsOn: `${parent.id}, job-7` });
			expect(bad.errorOf('Node')?.message).toBe('Depends On: "job-7" is not a job id (a UUID)');
			expect(await jobs()).toHaveLength(2);
		});
	});

	describe('Complete/Fail Job → Snooze', () => {
		async function claimed(n: number) {
			const specs = Array.from({ length: n }, (_, i) => ({ source: 't', job_type: 'x', payload: { i } }));
			await db.pool.query('select * from mcp_jobs.enqueue_jobs($1::jsonb)', [JSON.stringify(specs)]);
			const { rows } = await db.pool.query("select * from mcp_jobs.claim_next_job('w', p_limit => $1)", [n]);
			return rows.sort((a, b) => a.payload.i - b.payload.i);
		}

		it('puts every item back in one call (seconds, or until), attempt not counted, run fenced by run id', async () => {
			const held = await claimed(2);
			const until = new Date(Date.now() + 3_600_000).toISOString();
			const result = await runNode(
				conn,
				'completeFailJob',
				{
					operation: 'snooze',
					snoozeSeconds: 120,
					snoozeUntil: `={{ $json.payload.i === 1 ? "${until}" : "" }}`,
					snoozeReason: '={{ "429 for " + $json.payload.i }}',
				},
				held,
			);
			expect(rpcCallCount(conn)).toBe(1);
			expect(paired(result.outputOf('Node'))).toEqual([{ item: 0 }, { item: 1 }]);
			expect(jsons(result.outputOf('Node'))).toEqual([
				expect.objectContaining({ job_id: held[0].id, status: 'queued', snoozes: 1 }),
				expect.objectContaining({ job_id: held[1].id, status: 'queued', snoozes: 1 }),
			]);
			const rows = await jobs();
			expect(rows.map((r) => [r.status, r.attempts, r.snoozes])).toEqual([['queued', 0, 1], ['queued', 0, 1]]);
			const inSeconds = (at: Date) => (at.getTime() - Date.now()) / 1000;
			expect(inSeconds(rows[0].scheduled_at)).toBeGreaterThan(110);
			expect(inSeconds(rows[0].scheduled_at)).toBeLessThanOrEqual(120);
			expect(new Date(rows[1].scheduled_at).toISOString()).toBe(until);
		});

		it('a stale run id fails the item (the job was re-claimed); a bad date names the field', async () => {
			const [job] = await claimed(1);
			await db.pool.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [job.id]);
			await db.pool.query(`select * from mcp_jobs.claim_next_job('w2')`);
			const stale = await runNode(conn, 'completeFailJob', { operation: 'snooze', snoozeSeconds: 5 }, [job]);
			expect(stale.errorOf('Node')?.message).toMatch(/no longer current/);
			const badDate = await runNode(conn, 'completeFailJob', { operation: 'snooze', snoozeUntil: 'next tuesday' }, [job]);
			expect(badDate.errorOf('Node')?.message).toBe('Snooze Until "next tuesday" is not a date');
			expect((await jobs())[0]).toMatchObject({ status: 'running', worker_id: 'w2', snoozes: 0 });
		});
	});

	describe('Job Queue → Job → Get Results', () => {
		it('one item per id, in order: status, result, error (status null for an unknown id)', async () => {
			const ids = jsons((await enqueue({}, [{ i: 0 }, { i: 1 }])).outputOf('Node')).map((j) => j.id as string);
			await db.pool.query(`select mcp_jobs.complete_job(id, '{"sum":3}') from mcp_jobs.claim_next_job('w') where id = $1`, [ids[0]]);
			const unknown = '00000000-0000-4000-8000-000000000000';
			const result = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'getResults', jobIds: '={{ $json.ids }}' }, [
				{ ids: [...ids, unknown] },
			]);
			expect(jsons(result.outputOf('Node'))).toEqual([
				expect.objectContaining({ job_id: ids[0], status: 'completed', result: { sum: 3 } }),
				expect.objectContaining({ job_id: ids[1], status: 'queued', result: null }),
				expect.objectContaining({ job_id: unknown, status: null }),
			]);
		});
	});
});
