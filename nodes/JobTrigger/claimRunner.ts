import { sleep, type IRun, type ITriggerFunctions } from 'n8n-workflow';
import { claimCap, claimJobs } from '../shared/claimJobs';
import type { JobsClient } from '../shared/client';
import type { CompleteItem, FailItem, SnoozeItem } from '../shared/transport/functions';
import type { CompleteRow, FailRow, JobRow, SnoozeRow } from '../shared/transport/rows';
import { jobItems } from './jobItems';
import { jobOutcomes, type ExecutionEnd, type JobOutcome } from './jobOutcomes';
import type { Outcome } from './outcome';
import type { CycleOutcome } from './scheduler';
import type { TriggerSettings } from './settings';

/** One claimed job whose execution has not ended yet (or whose job is being finished). */
interface Running {
	jobId: string;
	runId: string;
	state: 'running' | 'finishing';
	/** A heartbeat said the job is no longer held (cancelled, finished by the workflow, re-claimed). */
	lost: boolean;
	/** The job was claimed again (a new run) after this run ended outside the trigger: leave it alone. */
	superseded: boolean;
}

type FinishRow = CompleteRow | FailRow | SnoozeRow;

/** An execution's end that finishes its job: complete (success), fail (error) or snooze (HTTP 429). */
type Finished = Exclude<Outcome, { kind: 'unknown' }>;

/** A finish waiting for the next complete_jobs / fail_jobs batch. */
interface QueuedFinish {
	entry: Running;
	outcome: Finished;
	resolve(row: FinishRow | undefined): void;
	reject(error: unknown): void;
}

const VERBS: Record<Finished['kind'], string> = { success: 'complete', error: 'fail', snooze: 'snooze' };
const FINISH_ATTEMPTS = 4;
/** What untilTimeout() returns when an execution's end did not arrive in time. */
const TIMED_OUT = Symbol('timed out');
const FINISH_RETRY_MS = 1000;
/** A database call waits at most this long for the one before it (see serial()). */
const LANE_WAIT_MS = 30_000;

/**
 * "Claim and Run": claims due jobs for the free execution slots (one claim_next_job call per cycle, up to Jobs per
 * Execution per slot), emits them as executions of up to Jobs per Execution items each, with a donePromise (like
 * n8n's RabbitMQ Trigger), renews the leases of all running jobs with one heartbeat_jobs call per tick, and finishes
 * each job when its execution ends, with its own outcome (jobOutcomes.ts); the jobs whose executions ended meanwhile
 * together, in one complete_jobs / fail_jobs / snooze_jobs call.
 */
export class ClaimRunner {
	private readonly running = new Map<string, Running>(); // by run id
	private readonly executions = new Set<Promise<void>>();
	private claiming?: Promise<unknown>;
	private closing = false;
	private closed = false;
	private heartbeatTimer?: NodeJS.Timeout;
	private heartbeating = false;
	private heartbeatFailures = 0;
	private lane: Promise<unknown> = Promise.resolve();
	private readonly finishQueue: QueuedFinish[] = [];
	private finishFlushQueued = false;

	constructor(
		private readonly ctx: ITriggerFunctions,
		private readonly client: JobsClient,
		private readonly settings: TriggerSettings,
		/** Asks for another cycle: an execution ended and freed its slot, or a claim could not take all it wanted. */
		private readonly wake: () => void,
	) {}

	/** Activation check: the credential works and the queue's functions exist (throws otherwise). */
	async probe(): Promise<void> {
		await this.nextDueAt();
	}

	async nextDueAt(): Promise<Date | null> {
		const { queue, jobTypes } = this.settings;
		const due = await this.client.call('next_job_due_at', {
			p_queue: queue,
			p_job_types: jobTypes.length ? jobTypes : undefined,
		});
		return due ? new Date(due) : null;
	}

	async cycle(): Promise<CycleOutcome> {
		const free = this.settings.maxConcurrent - this.executions.size;
		if (this.closing || free <= 0) return { drained: false, found: false };
		const wanted = free * this.settings.jobsPerExecution;
		const limit = Math.min(wanted, claimCap(this.client));
		const claimed = this.claimAndStart(limit);
		this.claiming = claimed.catch(() => undefined);
		const count = await claimed;
		if (count === limit && limit < wanted) this.wake(); // slots left: claim the rest in the next cycle
		return { drained: count < limit, found: count > 0 };
	}

	/**
	 * Deactivation: stop claiming, release what a claim still in progress returns, wait (up to
	 * waitMs) for running executions so their jobs are finished per On Execution End, then stop renewing
	 * leases. Jobs whose executions are still running keep their lease until it expires; then the next
	 * claim (another worker, or this trigger once re-activated) reaps them and runs them again.
	 */
	async close(waitMs: number): Promise<void> {
		this.closing = true;
		const deadline = Date.now() + waitMs;
		await within(this.claiming, deadline);
		if (this.executions.size) {
			this.ctx.logger.info(
				`Job Trigger: waiting up to ${Math.round(waitMs / 1000)} s for ${this.executions.size} running execution(s)`,
			);
			await within(Promise.all([...this.executions]), deadline);
		}
		this.closed = true;
		clearInterval(this.heartbeatTimer);
		if (this.running.size) {
			this.ctx.logger.warn(
				`Job Trigger: stopped with ${this.running.size} job(s) still running (${[...this.running.values()]
					.map((r) => r.jobId)
					.join(', ')}); they run again once their lease (${this.settings.leaseSeconds} s) expires`,
			);
		}
	}

	private async claimAndStart(limit: number): Promise<number> {
		const { workerId, queue, jobTypes, leaseSeconds } = this.settings;
		const jobs = await this.serial(() => claimJobs(this.client, { workerId, queue, jobTypes, limit, leaseSeconds }));
		if (this.closing) {
			// claimed while the workflow was being deactivated: never started, so hand them back
			await this.release(jobs.map(heldBy), 'claimed job(s) that had not started');
			return 0;
		}
		const size = this.settings.jobsPerExecution;
		for (let first = 0; first < jobs.length; first += size) this.start(jobs.slice(first, first + size));
		return jobs.length;
	}

	/** Starts one execution with `jobs` as its items. */
	private start(jobs: JobRow[]): void {
		const entries = jobs.map(
			(job): Running => ({ ...heldBy(job), state: 'running', lost: false, superseded: false }),
		);
		const claimedAgain = new Set(jobs.map((job) => job.id));
		for (const other of this.running.values()) {
			if (claimedAgain.has(other.jobId)) other.superseded = true; // its run ended outside the trigger
		}
		for (const entry of entries) this.running.set(entry.runId, entry);
		this.heartbeatTimer ??= setInterval(
			() => void this.heartbeat(),
			Math.max(250, (this.settings.leaseSeconds * 1000) / 3),
		);

		const done = this.ctx.helpers.createDeferredPromise<IRun>();
		try {
			this.ctx.emit(jobItems(jobs), undefined, done);
		} catch (error) {
			this.ctx.logger.error(`Job Trigger: could not start an execution for ${named(entries)}: ${(error as Error).message}`);
			for (const entry of entries) this.running.delete(entry.runId);
			void this.release(entries, 'claimed job(s) that had not started');
			return;
		}
		const execution: Promise<void> = this.follow(entries, jobs, done.promise).finally(() => {
			for (const entry of entries) this.running.delete(entry.runId);
			this.executions.delete(execution);
			if (!this.closing) this.wake();
		});
		this.executions.add(execution);
	}

	/** Waits for the execution to end, then finishes its jobs (`entries`, claimed as `jobs`) per On Execution End. Never rejects. */
	private async follow(entries: Running[], jobs: JobRow[], done: Promise<IRun>): Promise<void> {
		const end: ExecutionEnd = {};
		try {
			const run = await this.untilTimeout(done);
			if (run === TIMED_OUT) {
				for (const entry of entries) entry.lost = true;
				this.ctx.logger.warn(
					`Job Trigger: the execution of ${named(entries)} did not report its end within ` +
						`${this.settings.executionTimeoutMs / 1000} s (Execution Timeout); its lease is no longer renewed, ` +
						`so the job runs again once the lease expires`,
				);
				return;
			}
			end.run = run;
		} catch (error) {
			end.rejection = error ?? new Error('the execution was stopped');
		}
		const held = new Set(entries.filter((entry) => !entry.superseded && !entry.lost));
		if (this.settings.onExecutionEnd === 'leaveToWorkflow' || !held.size) return;
		if (this.closed) {
			this.ctx.logger.info(
				`Job Trigger: the execution of ${named([...held])} ended after the trigger stopped; the job is left to its lease`,
			);
			return;
		}
		const outcomes = jobOutcomes(end, jobs, this.ctx.getNode().name, this.settings);
		await this.settle(entries.flatMap((entry, i) => (held.has(entry) ? [{ entry, outcome: outcomes[i] }] : [])));
	}

	/** Finishes (complete, fail, snooze) or releases each job as its outcome says; leaves those with an unknown one. */
	private async settle(ended: Array<{ entry: Running; outcome: JobOutcome }>): Promise<void> {
		const released: Running[] = [];
		const unknown = new Map<string, Running[]>(); // by reason
		const finishes: Array<Promise<void>> = [];
		for (const { entry, outcome } of ended) {
			if (outcome.kind === 'unknown') {
				if (!unknown.has(outcome.reason)) unknown.set(outcome.reason, []);
				unknown.get(outcome.reason)!.push(entry);
				continue;
			}
			entry.state = 'finishing';
			if (outcome.kind === 'release') released.push(entry);
			else finishes.push(this.finish(entry, outcome));
		}
		for (const [reason, left] of unknown) this.ctx.logger.warn(`Job Trigger: ${named(left)} was not finished: ${reason}`);
		await Promise.all([...finishes, this.release(released, 'job(s) whose execution failed on another job')]);
	}

	/** The execution's IRun, or TIMED_OUT when Execution Timeout passes first (0 = no limit). */
	private async untilTimeout(done: Promise<IRun>): Promise<IRun | typeof TIMED_OUT> {
		const limit = this.settings.executionTimeoutMs;
		if (!limit) return await done;
		let timer: NodeJS.Timeout | undefined;
		try {
			return await Promise.race([
				done,
				new Promise<typeof TIMED_OUT>((resolve) => {
					timer = setTimeout(() => resolve(TIMED_OUT), limit);
				}),
			]);
		} finally {
			clearTimeout(timer);
		}
	}

	private async finish(entry: Running, outcome: Finished): Promise<void> {
		const verb = VERBS[outcome.kind];
		for (let attempt = 1; ; attempt++) {
			try {
				const row = await this.queueFinish(entry, outcome);
				if (row && row.ok === false) {
					// e.g. the workflow's own Complete/Fail Job node finished it first, or it was cancelled
					this.ctx.logger.debug(`Job Trigger: did not ${verb} job ${entry.jobId}: ${String(row.error_message)}`);
				}
				return;
			} catch (error) {
				const message = (error as Error)?.message ?? String(error);
				if (attempt >= FINISH_ATTEMPTS || this.closed) {
					this.ctx.logger.warn(
						`Job Trigger: could not ${verb} job ${entry.jobId} (${message}); it runs again when its lease expires`,
					);
					return;
				}
				await sleep(FINISH_RETRY_MS * 2 ** (attempt - 1));
			}
		}
	}

	/**
	 * Finishes a job in the next batch: every finish queued while the lane is busy goes out together, in one
	 * complete_jobs, one fail_jobs and one snooze_jobs call. Resolves with the job's row (undefined when superseded).
	 */
	private queueFinish(entry: Running, outcome: Finished): Promise<FinishRow | undefined> {
		return new Promise((resolve, reject) => {
			this.finishQueue.push({ entry, outcome, resolve, reject });
			if (this.finishFlushQueued) return;
			this.finishFlushQueued = true;
			// after the current task, so that executions ending together (one IRun batch) share the call
			setImmediate(() => {
				void this.serial(async () => {
					this.finishFlushQueued = false;
					await this.sendFinishes(this.finishQueue.splice(0));
				});
			});
		});
	}

	/** Sends one batch of finishes; settles each queued finish, never rejects. */
	private async sendFinishes(batch: QueuedFinish[]): Promise<void> {
		const { workerId } = this.settings;
		const live = batch.filter((f) => {
			if (f.entry.superseded) f.resolve(undefined);
			return !f.entry.superseded;
		});
		const send = async <Row extends FinishRow>(finishes: QueuedFinish[], call: () => Promise<Row[]>) => {
			if (!finishes.length) return;
			try {
				const rows = await call();
				finishes.forEach((f, i) => f.resolve(rows[i]));
			} catch (error) {
				for (const f of finishes) f.reject(error);
			}
		};
		const held = ({ entry }: QueuedFinish) => ({ job_id: entry.jobId, run_id: entry.runId, worker_id: workerId });
		const ofKind = <K extends Finished['kind']>(kind: K) =>
			live.filter((f): f is QueuedFinish & { outcome: Extract<Finished, { kind: K }> } => f.outcome.kind === kind);
		const completes = ofKind('success');
		const fails = ofKind('error');
		const snoozes = ofKind('snooze');
		await send(completes, () =>
			this.client.callBatch(
				'complete_jobs',
				completes.map((f): CompleteItem => ({ ...held(f), result: f.outcome.result })),
			),
		);
		await send(fails, () =>
			this.client.callBatch(
				'fail_jobs',
				fails.map((f): FailItem => ({ ...held(f), error: f.outcome.message })),
			),
		);
		await send(snoozes, () =>
			this.client.callBatch(
				'snooze_jobs',
				snoozes.map((f): SnoozeItem => ({ ...held(f), seconds: f.outcome.seconds, reason: f.outcome.reason })),
			),
		);
	}

	/** Renews the leases of all running jobs in one call; a job reported not held is no longer renewed. */
	private async heartbeat(): Promise<void> {
		if (this.heartbeating || this.closed) return;
		const entries = [...this.running.values()].filter((e) => !e.lost && !e.superseded);
		if (!entries.length) return;
		this.heartbeating = true;
		const { workerId, leaseSeconds } = this.settings;
		try {
			const rows = await this.client.callBatch(
				'heartbeat_jobs',
				entries.map((e) => ({ job_id: e.jobId, run_id: e.runId, worker_id: workerId, lease_seconds: leaseSeconds })),
			);
			rows.forEach((row, i) => {
				const entry = entries[i];
				if (row.ok !== false || !entry || entry.state !== 'running' || entry.superseded) return;
				entry.lost = true;
				const message = String(row.error_message ?? row.error_code);
				// finished by the workflow itself is normal; cancelled or taken over deserves a warning
				const normal = /is (completed|failed|queued), not running/.test(message);
				(normal ? this.ctx.logger.debug : this.ctx.logger.warn).call(
					this.ctx.logger,
					`Job Trigger: no longer renewing the lease of job ${entry.jobId}: ${message}`,
				);
			});
			this.heartbeatFailures = 0;
		} catch (error) {
			this.heartbeatFailures++;
			(this.heartbeatFailures === 1 ? this.ctx.logger.warn : this.ctx.logger.debug).call(
				this.ctx.logger,
				`Job Trigger: could not renew the leases of ${entries.length} running job(s): ${(error as Error)?.message}`,
			);
		} finally {
			this.heartbeating = false;
		}
	}

	/**
	 * Hands jobs back to the queue as if never claimed (release_jobs: the attempt does not count; only this run of
	 * each, by its run id): jobs claimed but never emitted, and jobs whose execution failed on another job.
	 */
	private async release(jobs: Held[], what: string): Promise<void> {
		if (!jobs.length) return;
		const ids = jobs.map((job) => job.jobId);
		try {
			const rows = await this.client.call('release_jobs', {
				p_job_ids: ids,
				p_run_ids: jobs.map((job) => job.runId),
				p_worker_id: this.settings.workerId,
			});
			const refused = rows.filter((row) => row.ok === false);
			this.ctx.logger.info(
				`Job Trigger: released ${ids.length - refused.length} ${what}` +
					(refused.length ? `; not released: ${refused.map((r) => `${r.job_id} (${r.error_message})`).join('; ')}` : ''),
			);
		} catch (error) {
			this.ctx.logger.warn(
				`Job Trigger: could not release ${ids.length} ${what} (${(error as Error)?.message}); ` +
					'they run again when their lease expires',
			);
		}
	}

	/**
	 * Runs claims and finishes one at a time: a finish then never races the claim of its own job's next run (a
	 * job the workflow failed, with its retry due at once), and finishes that queue up meanwhile go out as one
	 * batch. (Such a race could not touch the new run anyway: every finish carries its run id.) A call waits at
	 * most LANE_WAIT_MS for the previous one, so a hung connection cannot stop the trigger.
	 */
	private serial<T>(call: () => Promise<T>): Promise<T> {
		const previous = this.lane;
		const next = within(previous, Date.now() + LANE_WAIT_MS).then(call);
		this.lane = next.catch(() => undefined);
		return next;
	}
}

/** A job's claim: the job and the run the claim started. */
type Held = Pick<Running, 'jobId' | 'runId'>;

const heldBy = (job: JobRow): Held => ({ jobId: job.id, runId: String(job.run_id) });

/** "job <id>", or "N jobs (<id>, …)" for an execution of several, for log lines. */
function named(jobs: Held[]): string {
	if (jobs.length === 1) return `job ${jobs[0].jobId}`;
	const shown = jobs.slice(0, 3).map((job) => job.jobId);
	return `${jobs.length} jobs (${shown.join(', ')}${jobs.length > shown.length ? ', …' : ''})`;
}

/** Waits for `promise` (if any) but no later than `deadline`; never rejects. */
async function within(promise: Promise<unknown> | undefined, deadline: number): Promise<void> {
	if (!promise) return;
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([
		promise.catch(() => undefined),
		new Promise<void>((resolve) => {
			timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
		}),
	]);
	clearTimeout(timer);
}
