import type { ITriggerFunctions } from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import type { JobRow } from '../shared/transport/rows';
import type { CycleOutcome } from './scheduler';
import type { TriggerSettings } from './settings';

const PAGE_SIZE = 1000; // list_jobs' maximum (and at most Max Rows per Call, see pageSize)
/**
 * Sequence numbers are taken at insert time but become visible at commit, so a job can appear behind the
 * cursor (a longer transaction inserted it earlier). Each read therefore looks back over the jobs added in
 * the last SETTLE_MS, at most LOOKBACK_SEQS sequence numbers, and skips what it has already seen.
 */
const SETTLE_MS = 10_000;
const LOOKBACK_SEQS = 100;

/**
 * "Notify": emits the jobs added since the last read as one execution (one item per job), without claiming
 * them. Starts at the newest job at activation (no backfill of older jobs). Follows the seq feed of
 * list_jobs (p_after_seq), filtered by queue, source and job types.
 */
export class NotifyFeed {
	/** Highest seq read so far; undefined until the starting point is known. */
	private cursor?: number;
	private advances: Array<{ from: number; at: number }> = [];
	private readonly seen = new Set<number>();

	constructor(
		private readonly ctx: ITriggerFunctions,
		private readonly client: JobsClient,
		private readonly settings: TriggerSettings,
	) {}

	/** Activation: the credential works, the queue's functions exist; start after the newest job. */
	async probe(): Promise<void> {
		this.cursor = await this.newestSeq();
	}

	async cycle(): Promise<CycleOutcome> {
		if (this.cursor === undefined) {
			this.cursor = await this.newestSeq();
			return { drained: false, found: false };
		}
		const { queue, source, jobTypes } = this.settings;
		let after = this.floor();
		let found = false;
		const pageSize = Math.min(PAGE_SIZE, this.client.maxRowsPerCall);
		for (;;) {
			const rows = await this.client.call('list_jobs', {
				p_queue: queue,
				p_source: source,
				p_job_type: jobTypes.length === 1 ? jobTypes[0] : undefined,
				p_after_seq: after,
				p_limit: pageSize,
			});
			const fresh: JobRow[] = [];
			for (const row of rows) {
				const seq = row.seq;
				after = Math.max(after, seq);
				if (this.seen.has(seq)) continue;
				this.seen.add(seq);
				if (jobTypes.length <= 1 || jobTypes.includes(row.job_type)) fresh.push(row);
			}
			this.advance(after);
			if (fresh.length) {
				found = true;
				this.ctx.emit([fresh.map((json) => ({ json }))]);
			}
			if (rows.length < pageSize) break;
		}
		return { drained: true, found };
	}

	private async newestSeq(): Promise<number> {
		const rows = await this.client.call('list_jobs', { p_limit: 1 });
		return rows.length ? rows[0].seq : 0;
	}

	/** Where the next read starts: the cursor as it was SETTLE_MS ago, at most LOOKBACK_SEQS back. */
	private floor(): number {
		const cursor = this.cursor ?? 0;
		const now = Date.now();
		this.advances = this.advances.filter((a) => a.at >= now - SETTLE_MS);
		const settled = this.advances.length ? this.advances[0].from : cursor;
		const floor = Math.max(settled, cursor - LOOKBACK_SEQS);
		for (const seq of this.seen) if (seq <= floor) this.seen.delete(seq);
		return floor;
	}

	private advance(to: number): void {
		const cursor = this.cursor ?? 0;
		if (to <= cursor) return;
		this.advances.push({ from: cursor, at: Date.now() });
		this.cursor = to;
	}
}
