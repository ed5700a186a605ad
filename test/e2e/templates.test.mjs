// Every template, as imported, in a real n8n: scripts/n8n/check-templates.mjs imports and activates all of
// them and runs each end to end (HTTP API accept/reject, instant and scheduled worker, retries and dead
// letters, error handler, DLQ alert on a seeded dead letter, maintenance). This test runs it and wants it green.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'n8n', 'check-templates.mjs');

test('check-templates: every template imports, activates and works end to end', { timeout: 15 * 60_000 }, async () => {
	const child = spawn(process.execPath, [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	for (const stream of [child.stdout, child.stderr]) {
		stream.on('data', (chunk) => {
			output += chunk;
			process.stdout.write(chunk.toString().replace(/^/gm, '  | '));
		});
	}
	const code = await new Promise((resolve) => child.on('close', resolve));
	assert.equal(code, 0, 'check-templates exited with an error (its output is above)');
	assert.match(output, /ALL TEMPLATE CHECKS PASSED \(\d+ checks/);
});
