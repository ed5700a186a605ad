import { Client, type ClientConfig, type Notification } from 'pg';
import type { Logger } from 'n8n-workflow';
import { redact } from '../shared/transport/rpcError';
import { passwordOf, sslOption } from '../shared/transport/postgresTransport';
import type { SslMode } from '../shared/transport/types';

/** The channel the queue's triggers NOTIFY (migrations: _wake). */
export const WAKE_CHANNEL = 'mcp_jobs_new_job';

/** A wake-up's payload: {id, queue, job_type, priority, count}; fields may be null (e.g. a resumed queue). */
export interface WakePayload {
	id?: string | null;
	queue?: string | null;
	job_type?: string | null;
	priority?: number | null;
	count?: number | null;
}

export interface ListenerOptions {
	connectionString: string;
	ssl?: SslMode;
	logger: Logger;
	/** A notification arrived (payload undefined when it was not JSON). */
	onWake(payload: WakePayload | undefined): void;
	/** LISTEN is (again) in place: wake-ups sent while it was not may have been missed. */
	onListening(): void;
	minDelayMs?: number;
	maxDelayMs?: number;
}

const HEALTH_TIMEOUT_MS = 10_000;

/**
 * LISTENs on the wake-up channel on one dedicated connection (not the pool: a pooled connection is returned
 * and reused, and Supabase's transaction pooler cannot LISTEN at all). When the connection fails or ends
 * (server restart, pg_terminate_backend, network) it reconnects with exponential backoff and reports
 * onListening(), so the trigger can catch up on what it missed. It never throws or emits unhandled errors.
 */
export class JobListener {
	private client?: Client;
	/** True while `client` is connecting / running its first LISTEN. */
	private connecting = false;
	private stopped = false;
	private failures = 0;
	private retryTimer?: NodeJS.Timeout;
	private checking = false;
	private readonly minDelayMs: number;
	private readonly maxDelayMs: number;

	constructor(private readonly opts: ListenerOptions) {
		this.minDelayMs = opts.minDelayMs ?? 500;
		this.maxDelayMs = opts.maxDelayMs ?? 30_000;
	}

	/** Connects in the background; failures are logged and retried. */
	start(): void {
		void this.connect();
	}

	/**
	 * Checks the connection with a round trip (a repeated LISTEN, a no-op that keeps pg_stat_activity showing
	 * the LISTEN): a silently dropped connection (no FIN, e.g. a NAT timeout) is noticed and replaced.
	 */
	check(): void {
		const client = this.client;
		if (!client || this.connecting || this.checking || this.stopped) return;
		this.checking = true;
		client
			.query(`LISTEN ${WAKE_CHANNEL}`)
			.catch((error: Error) => this.lost(client, error))
			.finally(() => {
				this.checking = false;
			});
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.retryTimer) clearTimeout(this.retryTimer);
		const client = this.client;
		this.client = undefined;
		if (client) {
			client.removeAllListeners('notification');
			await client.end().catch(() => undefined);
		}
	}

	private async connect(): Promise<void> {
		if (this.stopped) return;
		const client = new Client(this.clientConfig());
		this.client = client;
		this.connecting = true;
		// a dead connection keeps emitting 'error' on some paths: always have a listener (never crash n8n)
		client.on('error', (error) => this.lost(client, error));
		client.on('end', () => this.lost(client, new Error('connection ended')));
		client.on('notification', (message) => this.notified(message));
		try {
			await client.connect();
			await client.query(`LISTEN ${WAKE_CHANNEL}`);
		} catch (error) {
			this.lost(client, error as Error);
			return;
		}
		if (this.client !== client) return; // lost or stopped meanwhile
		this.connecting = false;
		if (this.failures > 0) {
			this.opts.logger.info(`Job Trigger: LISTEN connection restored after ${this.failures} failed attempt(s)`);
		}
		this.failures = 0;
		this.opts.onListening();
	}

	private lost(client: Client, error: Error): void {
		if (this.client !== client) return; // already handled, or replaced
		this.client = undefined;
		this.connecting = false;
		client.removeAllListeners('notification');
		client.end().catch(() => undefined);
		if (this.stopped) return;
		const delay = this.nextDelay();
		this.failures++;
		const message = redact(error?.message ?? String(error), [this.opts.connectionString, passwordOf(this.opts.connectionString)]);
		const log = this.failures === 1 ? this.opts.logger.warn : this.opts.logger.debug;
		log.call(
			this.opts.logger,
			`Job Trigger: LISTEN connection lost or refused (${message}); reconnecting in ${Math.round(delay)} ms, polling meanwhile`,
		);
		this.retryTimer = setTimeout(() => void this.connect(), delay);
	}

	private nextDelay(): number {
		const base = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** Math.min(this.failures, 16));
		return base * (0.8 + 0.4 * Math.random());
	}

	private notified(message: Notification): void {
		if (message.channel !== WAKE_CHANNEL || this.stopped) return;
		let payload: WakePayload | undefined;
		try {
			const parsed: unknown = JSON.parse(message.payload ?? '');
			if (parsed && typeof parsed === 'object') payload = parsed as WakePayload;
		} catch {
			payload = undefined;
		}
		this.opts.onWake(payload);
	}

	private clientConfig(): ClientConfig {
		return {
			connectionString: this.opts.connectionString,
			ssl: sslOption(this.opts.ssl),
			application_name: 'n8n-nodes-supabase-jobs-trigger',
			keepAlive: true,
			connectionTimeoutMillis: 15_000,
			query_timeout: HEALTH_TIMEOUT_MS,
		};
	}
}
