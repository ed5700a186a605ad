// The jobs dashboard template without n8n: the committed template is a fresh build of dashboard/, its
// wiring (every action served by a package node, CORS for the sandboxed page), the page's source never
// turns data into markup, and the request checks and responses of its two expressions. The page itself runs in a
// real n8n and browser in test/e2e/dashboard.test.mjs.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const REPO = join(__dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(REPO, ...path), 'utf8');

interface Node {
	name: string;
	type: string;
	parameters: Record<string, any>;
	credentials?: Record<string, unknown>;
	onError?: string;
}
const template = JSON.parse(read('workflows', 'jobs-dashboard.json')) as {
	nodes: Node[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	settings: Record<string, unknown>;
};
const node = (name: string) => template.nodes.find((n) => n.name === name)!;
const targets = (name: string) => template.connections[name]?.main.map((out) => out.map((c) => c.node)) ?? [];
const html = node('Respond Page').parameters.responseBody as string;

describe('workflows/jobs-dashboard.json', () => {
	test('is a fresh build of dashboard/ (node scripts/build-dashboard.mjs)', () => {
		 
		expect(() => execFileSync(process.execPath, [join(REPO, 'scripts', 'build-dashboard.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
	});

	test('GET /jobs/dashboard answers the page as HTML, without a key', () => {
		const hook = node('GET /jobs/dashboard');
		expect(hook.parameters).toMatchObject({ httpMethod: 'GET', path: 'jobs/dashboard', responseMode: 'responseNode' });
		expect(hook.parameters.authentication).toBeUndefined();
		expect(targets(hook.name)).toEqual([['Respond Page']]);
		const headers = node('Respond Page').parameters.options.responseHeaders.entries;
		expect(headers).toContainEqual({ name: 'Content-Type', value: 'text/html; charset=utf-8' });
		expect(html.startsWith('<!doctype html>')).toBe(true); // a leading "=" would make n8n evaluate it
	});

	test('POST /jobs/dashboard/api needs the header key and allows the sandboxed page (Origin: null)', () => {
		const hook = node('POST /jobs/dashboard/api');
		expect(hook.parameters).toMatchObject({ httpMethod: 'POST', path: 'jobs/dashboard/api', authentication: 'headerAuth', options: { allowedOrigins: 'null' } });
		expect(hook.credentials).toEqual({ httpHeaderAuth: { id: 'jobs-api-header-auth', name: 'Jobs API header auth' } });
	});

	test('every action is served by a Job Queue or Enqueue Job node, then answered by one Respond node', () => {
		const routes = node('Route').parameters.rules.values.map((r: { outputKey: string }) => r.outputKey);
		expect(routes).toEqual([
			'invalid', 'overview', 'throughput', 'jobs', 'job', 'cancel', 'retry', 'deadLetters', 'deadLetterGroups', 'requeue', 'resolve', 'pause', 'resume', 'enqueue',
		]);
		const outputs = targets('Route');
		expect(outputs[0]).toEqual(['Collect Results']);
		for (const [i, [first]] of outputs.slice(1).entries()) {
			// the bulk actions pass a Split Out node first
			const served = node(first).type === 'n8n-nodes-base.splitOut' ? targets(first)[0][0] : first;
			const queueNode = node(served);
			expect([routes[i + 1], queueNode.type]).toEqual([routes[i + 1], expect.stringMatching(/^n8n-nodes-supabase-jobs\.(jobQueue|enqueueJob)$/)]);
			expect(queueNode.onError).toBe('continueRegularOutput');
			expect(targets(served)).toEqual([['Collect Results']]);
		}
		expect(targets('Collect Results')).toEqual([['Build Response']]);
		expect(targets('Build Response')).toEqual([['Respond']]);
		const types = new Set(template.nodes.map((n) => n.type));
		expect([...types].filter((t) => !/^n8n-nodes-base\.(webhook|respondToWebhook|set|switch|splitOut|aggregate|stickyNote)$|^n8n-nodes-supabase-jobs\./.test(t))).toEqual([]);
	});

	test('the listings, throughput and groups come from the operations that serve search, sort and big queues', () => {
		expect(node('Search Jobs').parameters).toMatchObject({ resource: 'job', operation: 'search', search: '={{ $json.search }}', sort: '={{ $json.sort }}' });
		expect(node('Search Jobs').parameters.filters).toMatchObject({ status: '={{ $json.status }}', cursor: '={{ $json.cursor }}' });
		expect(node('Get Throughput').parameters).toMatchObject({ resource: 'queue', operation: 'getThroughput', hours: '={{ $json.hours }}' });
		expect(node('Dead Letter Groups').parameters).toMatchObject({ resource: 'deadLetter', operation: 'getGroups', limit: '={{ $json.limit }}' });
		expect(node('Queue Stats').parameters).toMatchObject({ resource: 'queue', operation: 'getStats', durationSample: 1000 });
	});

	test('keeps no data of successful executions (the page polls every few seconds)', () => {
		expect(template.settings).toMatchObject({ executionOrder: 'v1', saveDataSuccessExecution: 'none' });
	});
});

describe('the dashboard page', () => {
	const sources = readdirSync(join(REPO, 'dashboard', 'page', 'js')).map((f) => read('dashboard', 'page', 'js', f));

	test('never turns strings into markup or code', () => {
		for (const source of [...sources, html]) {
			expect(source).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*['"]on/);
		}
	});

	test('its CSP allows exactly its own inline script and style, and requests to its own origin only', () => {
		const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
		const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
		const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
		const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
		expect([scripts.length, styles.length]).toEqual([1, 1]);
		expect(csp.split('; ')).toEqual([
			"default-src 'none'",
			`script-src ${hash(scripts[0])}`,
			`style-src ${hash(styles[0])}`,
			"connect-src 'self'",
			'img-src data:',
			"base-uri 'none'",
			"form-action 'none'",
		]);
		expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/); // nothing loaded from elsewhere
	});
});

describe('Read Request (expression)', () => {
	const code = read('dashboard', 'server', 'read-request.js');
	const readRequest = (body: unknown) => runInNewContext(`(() => {\n${code}\n})()`, { $input: { first: () => ({ json: { body } }) } }) as Record<string, any>;

	test('routes a valid action with its defaults', () => {
		expect(readRequest({ action: 'overview' })).toEqual({ route: 'overview', action: 'overview', windowHours: 24 });
		expect(readRequest({ action: 'jobs', queue: ' mail ', cursor: '120' })).toEqual({
			route: 'jobs', action: 'jobs', queue: 'mail', status: '', source: '', jobType: '', search: '', sort: 'created', limit: 50, cursor: '120',
		});
		expect(readRequest({ action: 'jobs', status: 'waiting', search: ' order-1 ', sort: 'priority', cursor: '5:120' })).toMatchObject({
			route: 'jobs', status: 'waiting', search: 'order-1', sort: 'priority', cursor: '5:120',
		});
		expect(readRequest({ action: 'throughput' })).toEqual({ route: 'throughput', action: 'throughput', queue: '', hours: 24 });
		expect(readRequest({ action: 'deadLetterGroups', queue: 'q' })).toEqual({ route: 'deadLetterGroups', action: 'deadLetterGroups', queue: 'q', limit: 50 });
	});

	test('names every bad field', () => {
		expect(readRequest('text').errors).toEqual(['the body must be a JSON object like {"action": "overview"}, sent with Content-Type: application/json']);
		expect(readRequest({ action: 'drop' }).errors[0]).toMatch(/^action must be one of overview, jobs, .*, got "drop"$/);
		expect(readRequest({ action: 'jobs', status: 'done', limit: 0, sort: 'x', order: 'up' }).errors).toEqual([
			'unknown field "order" for jobs: it takes queue, status, source, jobType, search, sort, limit, cursor',
			'sort must be one of created, priority, got "x"',
			'status must be one of waiting, queued, running, completed, failed, cancelled, got "done"',
			'limit must be a whole number from 1 to 200; default 50',
		]);
		expect(readRequest({ action: 'jobs', sort: 'priority', cursor: '120' }).errors).toEqual(['cursor must be the nextCursor of the previous page, got "120"']);
		expect(readRequest({ action: 'jobs', cursor: '5:120' }).errors).toEqual(['cursor must be the nextCursor of the previous page, got "5:120"']);
		expect(readRequest({ action: 'jobs', search: 'x'.repeat(201) }).errors).toEqual(['search must be at most 200 characters, got 201']);
		expect(readRequest({ action: 'throughput', hours: 745 }).errors).toEqual(['hours must be a whole number from 1 to 744; default 24']);
		expect(readRequest({ action: 'enqueue', payload: [1], runAt: 'soon', priority: 1.5 }).errors).toEqual([
			'source is required, e.g. "dashboard"',
			'jobType is required, e.g. "discovery"',
			'priority must be a whole number from 0 to 1000000; default 5',
			'payload must be a JSON object, e.g. {"projectId": "xyz123"}',
			'runAt must be an ISO 8601 time, e.g. "2026-02-01T00:00:00Z", got "soon"',
		]);
		expect(readRequest({ action: 'cancel', id: 'abc' })).toMatchObject({ route: 'invalid', errors: ['id must be a job id (a UUID), got "abc"'] });
	});

	test('keeps the distinct ids of a bulk dead letter action (a Split Out node makes one item of each)', () => {
		const a = '11111111-1111-4111-8111-111111111111';
		const b = '22222222-2222-4222-8222-222222222222';
		expect(readRequest({ action: 'resolve', ids: [a, b, a], notes: 'fixed' })).toEqual({ route: 'resolve', action: 'resolve', ids: [a, b], by: 'dashboard', notes: 'fixed' });
		expect(readRequest({ action: 'requeue', ids: [] }).errors).toEqual(['ids is required: a list of 1 to 500 dead letter ids (UUIDs)']);
	});
});

describe('Build Response (expression)', () => {
	const code = read('dashboard', 'server', 'build-response.js');
	const respond = (request: Record<string, unknown>, output: Array<Record<string, unknown>>) =>
		runInNewContext(`(() => {\n${code}\n})()`, { $: () => ({ first: () => ({ json: request }) }), $json: { data: output } }) as {
			status: number;
			body: Record<string, any>;
		};

	test('answers a bad request with 400 and its messages', () => {
		expect(respond({ route: 'invalid', action: 'jobs', errors: ['limit must be …'] }, [])).toEqual({ status: 400, body: { ok: false, action: 'jobs', errors: ['limit must be …'] } });
	});

	test('maps queue errors to 404 and 409', () => {
		const cancel = { route: 'cancel', action: 'cancel', id: 'x' };
		expect(respond(cancel, [{ error: 'job x not found: check the job id' }]).status).toBe(404);
		expect(respond(cancel, [{ error: 'job x is already completed: only queued or running jobs can be cancelled' }]).status).toBe(409);
		expect(respond(cancel, [{ error: 'connection refused' }]).status).toBe(500);
		expect(respond(cancel, [{ id: 'x', status: 'cancelled', error: 'not needed' }])).toEqual({ status: 200, body: { ok: true, action: 'cancel', job: { id: 'x', status: 'cancelled', error: 'not needed' } } });
	});

	test('lists without payloads, with the next cursor when the page is full', () => {
		const request = { route: 'jobs', action: 'jobs', limit: 2 };
		const jobs = [{ id: 'a', seq: 9, payload: { big: 1 }, result: null, status: 'queued' }, { id: 'b', seq: 7, payload: {}, result: {}, status: 'failed' }];
		expect(respond(request, jobs).body).toEqual({ ok: true, action: 'jobs', jobs: [{ id: 'a', seq: 9, status: 'queued' }, { id: 'b', seq: 7, status: 'failed' }], nextCursor: '7' });
		expect(respond(request, [{}]).body).toEqual({ ok: true, action: 'jobs', jobs: [], nextCursor: null }); // alwaysOutputData's empty item
		// by priority, the cursor is the last row's priority and seq
		expect(respond({ ...request, sort: 'priority' }, jobs.map((j, i) => ({ ...j, priority: i }))).body.nextCursor).toBe('1:7');
	});

	test('answers the throughput hours and the dead letter groups; every feature is on', () => {
		const hours = [{ bucket: '2026-11-30T19:00:00Z', completed: 3, failed: 1, depth: 2, live: true }];
		expect(respond({ route: 'throughput', action: 'throughput' }, hours).body).toEqual({ ok: true, action: 'throughput', buckets: hours });
		const groups = [{ queue: 'q', final_error: 'boom', dead_letters: 2, dead_letter_ids: ['a', 'b'] }];
		expect(respond({ route: 'deadLetterGroups', action: 'deadLetterGroups' }, groups).body).toEqual({ ok: true, action: 'deadLetterGroups', groups });
		expect(respond({ route: 'deadLetterGroups', action: 'deadLetterGroups' }, [{}]).body.groups).toEqual([]);
		expect(respond({ route: 'throughput', action: 'throughput' }, [{ error: 'p_hours must be …' }]).status).toBe(400);
		expect(respond({ route: 'overview', action: 'overview' }, []).body.features).toEqual({
			search: true, sortByPriority: true, waitingFilter: true, throughput: true, deadLetterGroups: true, fastOverview: true,
		});
	});

	test('reports a bulk action per dead letter: 207 when some failed', () => {
		const request = { route: 'requeue', action: 'requeue', ids: ['d1', 'd2'] };
		// a requeued job keeps its last error: that is not a failure of the requeue
		expect(respond(request, [{ id: 'j1', status: 'queued', error: 'boom' }, { error: 'dead letter d2 was already resolved at … by admin' }])).toEqual({
			status: 207,
			body: {
				ok: false,
				action: 'requeue',
				done: 1,
				failed: 1,
				results: [
					{ id: 'd1', ok: true, jobId: 'j1' },
					{ id: 'd2', ok: false, error: 'dead letter d2 was already resolved at … by admin' },
				],
			},
		});
	});
});
