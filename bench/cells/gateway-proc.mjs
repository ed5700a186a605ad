// The PostgREST-compatible gateway (test/support/postgrest-gateway.ts, compiled) in its own process, as
// PostgREST runs apart from its clients. Replies {type:'ready', url, serviceRoleKey}; 'stop' closes it.
import { createRequire } from 'node:module';
import { compiled } from '../lib/ts-support.mjs';

const require = createRequire(import.meta.url);
const { startPostgrestGateway } = require(compiled('test/support/postgrest-gateway.ts'));

const { url } = JSON.parse(process.argv[2]);
const gateway = await startPostgrestGateway({ databaseUrl: url, schemas: ['mcp_jobs'] });
process.on('disconnect', () => process.exit(0));
process.on('message', async (msg) => {
	if (msg?.type !== 'stop') return;
	await gateway.close().catch(() => undefined);
	process.send({ type: 'stopped' }, () => process.exit(0));
});
process.send({ type: 'ready', url: gateway.url, serviceRoleKey: gateway.serviceRoleKey });
