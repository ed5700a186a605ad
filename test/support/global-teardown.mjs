// Jest global teardown: drops the template database and stops the embedded server.
import pg from 'pg';

export default async function globalTeardown() {
	const info = globalThis.__MCP_JOBS_TEMPLATE__;
	if (info) {
		const admin = new pg.Client({ connectionString: info.adminUrl });
		await admin.connect();
		try {
			const { rows } = await admin.query(`select datname from pg_database where datname = $1 or datname like $2`, [
				info.template,
				`${info.template}_t%`,
			]);
			for (const { datname } of rows) {
				await admin.query(`drop database if exists ${datname} with (force)`);
			}
		} finally {
			await admin.end();
		}
	}
	if (globalThis.__MCP_JOBS_PG__) await globalThis.__MCP_JOBS_PG__.stop();
}
