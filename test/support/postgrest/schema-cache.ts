// PostgREST's schema cache of routines and the listener that reloads it (PGRST: AppState.hs
// retryingSchemaCacheLoad, Listener.hs retryingListen). The routines of the exposed schemas are loaded once
// at start; a request only sees what the last load saw, so a function created later answers 404 PGRST202
// until `NOTIFY pgrst, 'reload schema'` (or an empty payload). 'reload config' re-reads PostgREST's
// in-database configuration, which this stand-in takes from its options instead: it is accepted and
// changes nothing. A failed load leaves no cache (requests answer 503 PGRST002) and is retried; a lost
// LISTEN connection is re-opened with PostgREST's backoff (1 s doubling to 32 s) and then reloads the
// cache, since notifications may have been missed meanwhile.
import { Client, type ClientConfig, type Pool } from 'pg';
import { apiError } from './errors';
import { loadRoutines, type Routine } from './routines';

const CHANNEL = 'pgrst';

/** PostgREST's retry delays: 1 s, doubling up to 32 s, back to 1 s after a success. */
class Backoff {
	private delaySeconds = 1;
	private timer: NodeJS.Timeout | undefined;

	schedule(action: () => void): void {
		clearTimeout(this.timer);
		this.timer = setTimeout(action, this.delaySeconds * 1000);
		this.delaySeconds = Math.min(this.delaySeconds * 2, 32);
	}

	reset(): void {
		this.delaySeconds = 1;
	}

	cancel(): void {
		clearTimeout(this.timer);
	}
}

export class SchemaCache {
	private routines: Map<string, Routine[]> | undefined;
	private loading: Promise<void> | undefined;
	private reloadAgain = false;
	private waiters: Array<() => void> = [];
	private listener: Client | undefined;
	private readonly loadRetry = new Backoff();
	private readonly listenRetry = new Backoff();
	private closed = false;

	private constructor(
		private readonly pool: Pool,
		private readonly listenerConfig: ClientConfig,
		private readonly schemas: string[],
		private readonly hoistedSettings: string[],
	) {}

	/** Loads the cache (failing if it cannot) and starts listening on channel pgrst. */
	static async start(pool: Pool, listenerConfig: ClientConfig, schemas: string[], hoistedSettings: string[]): Promise<SchemaCache> {
		const cache = new SchemaCache(pool, listenerConfig, schemas, hoistedSettings);
		cache.routines = await cache.query();
		await cache.listen();
		return cache;
	}

	/** The cached routines of `schema`, or PostgREST's 503 while no cache is loaded. */
	routinesIn(schema: string): Routine[] {
		if (this.routines === undefined) throw apiError(503, 'PGRST002', 'Could not query the database for the schema cache. Retrying.');
		return this.routines.get(schema) ?? [];
	}

	/** Resolves when the next load (one that starts after this call) has finished, whether it succeeded or not. */
	nextLoad(): Promise<void> {
		return new Promise((resolve) => this.waiters.push(resolve));
	}

	async close(): Promise<void> {
		this.closed = true;
		this.loadRetry.cancel();
		this.listenRetry.cancel();
		await this.listener?.end().catch(() => undefined);
		await this.loading;
	}

	private async query(): Promise<Map<string, Routine[]>> {
		const client = await this.pool.connect();
		let committed = false;
		try {
			await client.query('BEGIN READ ONLY');
			await client.query(`SET LOCAL search_path = ''`);
			const routines = await loadRoutines(client, this.schemas, this.hoistedSettings);
			await client.query('COMMIT');
			committed = true;
			return routines;
		} finally {
			if (!committed) await client.query('ROLLBACK').catch(() => undefined);
			client.release(!committed);
		}
	}

	/** Reloads in the background; notifications that arrive during a load cause one more load after it. */
	private reload(): void {
		if (this.closed) return;
		if (this.loading !== undefined) {
			this.reloadAgain = true;
			return;
		}
		const waiters = this.waiters;
		this.waiters = [];
		this.loading = this.query()
			.then((routines) => {
				this.routines = routines;
				this.loadRetry.reset();
			})
			.catch(() => {
				this.routines = undefined;
				if (!this.closed) this.loadRetry.schedule(() => this.reload());
			})
			.finally(() => {
				this.loading = undefined;
				waiters.forEach((resolve) => resolve());
				if (this.reloadAgain) {
					this.reloadAgain = false;
					this.reload();
				}
			});
	}

	private async listen(): Promise<void> {
		const listener = new Client(this.listenerConfig);
		listener.on('error', () => undefined); // 'end' follows
		listener.on('notification', ({ channel, payload }) => {
			if (channel === CHANNEL && (payload === undefined || payload === '' || payload === 'reload schema')) this.reload();
		});
		let listening = false;
		try {
			await listener.connect();
			await listener.query(`LISTEN ${CHANNEL}`);
			listening = !this.closed;
		} finally {
			if (!listening) await listener.end().catch(() => undefined);
		}
		if (!listening) return;
		listener.on('end', () => {
			this.listener = undefined;
			if (!this.closed) this.listenRetry.schedule(() => this.reconnect());
		});
		this.listener = listener;
	}

	/** After a lost LISTEN connection: listen again, then reload, as notifications may have been missed. */
	private reconnect(): void {
		this.listen()
			.then(() => {
				this.listenRetry.reset();
				this.reload();
			})
			.catch(() => {
				if (!this.closed) this.listenRetry.schedule(() => this.reconnect());
			});
	}
}
