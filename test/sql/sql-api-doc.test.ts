// docs/sql-api.md is generated from the catalog (npm run docs:sql-api): it must match what the migrations define.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { openTestDatabase } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderSqlApi } = require('../../scripts/lib/sql-api-doc.cjs') as { renderSqlApi(c: Client): Promise<string> };

test('docs/sql-api.md is up to date with the migrations (regenerate with npm run docs:sql-api)', async () => {
	const db = await openTestDatabase();
	const client = new Client({ connectionString: db.url });
	await client.connect();
	try {
		const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'sql-api.md'), 'utf8');
		expect(committed).toEqual(await renderSqlApi(client));
	} finally {
		await client.end();
		await db.drop();
	}
});
