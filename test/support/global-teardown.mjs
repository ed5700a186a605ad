// Jest global teardown: drops the template database and its clones, and stops the embedded server.
import { dropDatabase, withClient } from '../../scripts/lib/databases.mjs';

export default async function globalTeardown() {
	const info = globalThis.__MCP_JOBS_TEMPLATE__;
	if (info) {
		const { rows } = await withClient(info.adminUrl, (c) =>
			c.query('select datname from pg_database where datname = $1 or datname like $2', [info.template, `${info.template}_t%`]),
		);
		for (const { datname } of rows) await dropDatabase(info.adminUrl, datname);
	}
	const jit = globalThis.__MCP_JOBS_JIT__;
	if (jit) await dropDatabase(jit.serverUrl, jit.name);
	if (globalThis.__MCP_JOBS_PG__) await globalThis.__MCP_JOBS_PG__.stop();
}
