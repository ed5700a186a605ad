// n8n's own database (its tables, not the queue's): created when missing, with a schema when asked for.
import { databaseTarget, ensureDatabase, quoteIdent, withClient, withDatabase } from '../lib/databases.mjs';

/**
 * Picks the database name, creates the database (and schema) when missing, and returns what n8n's DB_POSTGRESDB_*
 * settings need.
 * @param {{ databaseUrl: string, database?: string, schema?: string, log?: (line: string) => void }} options
 *   database: default the URL's, or `n8n` when the URL names `postgres` or none
 * @returns {Promise<{ host: string, port: number, user: string, password: string, database: string, schema: string }>}
 */
export async function prepareDatabase({ databaseUrl, database, schema = 'public', log = () => undefined }) {
	databaseTarget(databaseUrl, 'databaseUrl'); // a clear error for anything but a postgres:// URL
	const u = new URL(databaseUrl);
	const urlDatabase = decodeURIComponent(u.pathname.slice(1));
	const name = database ?? (urlDatabase && urlDatabase !== 'postgres' ? urlDatabase : 'n8n');
	if (await ensureDatabase(databaseUrl, name)) log(`[n8n] created database ${name}`);
	if (schema !== 'public') {
		await withClient(withDatabase(databaseUrl, name), (c) => c.query(`create schema if not exists ${quoteIdent(schema)}`));
	}
	return {
		host: u.hostname || '127.0.0.1',
		port: Number(u.port || 5432),
		user: decodeURIComponent(u.username || 'postgres'),
		password: decodeURIComponent(u.password),
		database: name,
		schema,
	};
}
