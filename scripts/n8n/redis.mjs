// Queue mode's Redis, through n8n's own ioredis: is it reachable, and deleting one run's keys afterwards.
import { requireFromN8n } from './install.mjs';

/** @typedef {{ host?: string, port?: number, db?: number }} RedisOptions  (default 127.0.0.1:6379, db 0) */

/** The address of `redis`, with the defaults filled in. */
export const redisAddress = (redis = {}) => ({ host: redis.host ?? '127.0.0.1', port: redis.port ?? 6379, db: redis.db ?? 0 });

/** Runs `fn(client)` on a new connection (one try, 3 s connect timeout) and disconnects. */
async function withRedis(install, redis, fn) {
	const Redis = requireFromN8n(install, 'ioredis');
	const client = new Redis({
		...redisAddress(redis),
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		connectTimeout: 3000,
		retryStrategy: () => null,
	});
	client.on('error', () => undefined); // surfaced through the awaited calls
	try {
		await client.connect();
		return await fn(client);
	} finally {
		client.disconnect();
	}
}

/** Fails fast with a clear message when queue mode's Redis is not reachable. */
export async function checkRedis({ install, redis }) {
	await withRedis(install, redis, (client) => client.ping()).catch((err) => {
		const { host, port } = redisAddress(redis);
		throw new Error(`queue mode needs Redis: cannot reach ${host}:${port} (${err.message})`);
	});
}

/** Deletes the Redis keys under `<prefix>:` (one queue-mode run's). */
export async function deleteRedisKeys({ install, redis, prefix }) {
	await withRedis(install, redis, async (client) => {
		let cursor = '0';
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
			cursor = next;
			if (keys.length) await client.del(...keys);
		} while (cursor !== '0');
	});
}
