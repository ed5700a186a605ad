import type { Logger } from 'n8n-workflow';

/** What one cycle (a claim, or a read of new jobs) reports back. */
export interface CycleOutcome {
	/** It took everything it could see (it was not at capacity): the next due time is worth asking for. */
	drained: boolean;
	/** It found at least one job. */
	found: boolean;
}

export interface SchedulerOptions {
	pollIntervalMs: number;
	logger: Logger;
	/** One cycle: claim jobs or read new ones. Never runs twice at once. */
	runCycle(): Promise<CycleOutcome>;
	/** When the next queued job is due (next_job_due_at), to wake up exactly then. */
	nextDueAt?(): Promise<Date | null>;
	/** Called on every poll tick, before the poll (e.g. the LISTEN connection's health check). */
	onPollTick?(): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Past the due time, so the database's now() has reached it too. */
const DUE_MARGIN_MS = 5;
const FIRST_RETRY_MS = 200;

/**
 * Decides when the trigger looks at the queue: on wake-ups (NOTIFY, reconnect, a finished execution), on
 * every poll tick, and when the next scheduled job (or retry) is due. Wake-ups coalesce: one cycle at a
 * time, and a wake-up during a cycle runs exactly one more cycle after it. Cycle errors are logged, never
 * thrown: the next tick tries again.
 */
export class WakeScheduler {
	private pending = false;
	private running?: Promise<void>;
	private stopped = false;
	private pollTimer?: NodeJS.Timeout;
	private dueTimer?: NodeJS.Timeout;
	private failures = 0;
	private pastDueDelayMs = FIRST_RETRY_MS;

	constructor(private readonly opts: SchedulerOptions) {}

	/** Starts polling and runs a first cycle now. */
	start(): void {
		this.pollTimer = setInterval(() => {
			this.opts.onPollTick?.();
			this.wake();
		}, this.opts.pollIntervalMs);
		this.wake();
	}

	wake(): void {
		if (this.stopped) return;
		this.pending = true;
		this.running ??= this.drain().finally(() => {
			this.running = undefined;
		});
	}

	/** Stops all timers and wake-ups; a cycle already running finishes on its own (the runner bounds it). */
	stop(): void {
		this.stopped = true;
		clearInterval(this.pollTimer);
		clearTimeout(this.dueTimer);
	}

	private async drain(): Promise<void> {
		while (this.pending && !this.stopped) {
			this.pending = false;
			let outcome: CycleOutcome;
			try {
				outcome = await this.opts.runCycle();
			} catch (error) {
				this.failed(error as Error);
				continue;
			}
			if (this.failures > 0) {
				this.opts.logger.info(`Job Trigger: the queue is reachable again after ${this.failures} failed attempt(s)`);
				this.failures = 0;
			}
			if (outcome.drained && this.opts.nextDueAt && !this.stopped) await this.planNextDue(outcome.found);
		}
	}

	private failed(error: Error): void {
		this.failures++;
		const log = this.failures === 1 ? this.opts.logger.warn : this.opts.logger.debug;
		log.call(
			this.opts.logger,
			`Job Trigger: could not read the queue (${error?.message ?? String(error)}); retrying in ${this.opts.pollIntervalMs / 1000} s`,
		);
	}

	private async planNextDue(found: boolean): Promise<void> {
		let due: Date | null;
		try {
			due = await this.opts.nextDueAt!();
		} catch (error) {
			this.opts.logger.debug(`Job Trigger: next_job_due_at failed (${(error as Error)?.message}); the poll covers it`);
			return;
		}
		if (this.stopped) return;
		clearTimeout(this.dueTimer);
		this.dueTimer = undefined;
		if (!due || Number.isNaN(due.getTime())) {
			this.pastDueDelayMs = FIRST_RETRY_MS;
			return;
		}
		const delay = due.getTime() - Date.now();
		if (delay > 0) {
			this.pastDueDelayMs = FIRST_RETRY_MS;
			this.armDue(Math.min(delay + DUE_MARGIN_MS, MAX_TIMER_MS));
			return;
		}
		// Due, yet the cycle did not get it: it became due just now, another worker's claim holds its row,
		// its queue is paused, or this host's clock is ahead of the database's. Look again soon, backing off
		// to the poll interval so a paused queue does not keep us busy.
		if (found) this.pastDueDelayMs = FIRST_RETRY_MS;
		if (this.pastDueDelayMs < this.opts.pollIntervalMs) {
			this.armDue(this.pastDueDelayMs);
			this.pastDueDelayMs *= 2;
		}
	}

	private armDue(delayMs: number): void {
		this.dueTimer = setTimeout(() => {
			this.dueTimer = undefined;
			this.wake();
		}, delayMs);
	}
}
