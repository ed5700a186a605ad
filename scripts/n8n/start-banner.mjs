// What `npm start` prints once everything runs: where to log in and how to watch a job go through.

/**
 * @param {import('./local-stack.mjs').LocalStack} stack
 * @param {{ stateDir: string, out?: (text: string) => void }} options
 */
export function printReady(stack, { stateDir, out = (text) => console.log(text) }) {
	const base = stack.n8n.baseUrl;
	const key = stack.apiKey;
	const db = stack.postgres.embedded ? stack.queueUrl : maskPassword(stack.queueUrl);
	const psqlTarget = stack.postgres.embedded ? `'${stack.queueUrl}'` : '"$DATABASE_URL"';
	const line = '-'.repeat(78);
	const short = (w) => w.name.replace(/^Supabase Jobs: /, '');
	const errorHandler = stack.workflows['error-handler.json'];
	const dashboard = stack.workflows['jobs-dashboard.json'];
	const others = Object.values(stack.workflows).filter((w) => w !== errorHandler);
	const active = others.filter((w) => w.active).map(short);
	const inactive = others.filter((w) => !w.active).map(short);
	const enqueueCall = (payload, extra = '', newline = true) =>
		`curl -s -X POST ${base}/webhook/jobs/enqueue -H 'X-API-Key: ${key}' -H 'Content-Type: application/json'` +
		`${newline ? ' \\\n      ' : ''} -d '{"source":"curl","jobType":"example","payload":${payload}${extra}}'`;
	out(
		[
			'',
			line,
			' Ready: n8n with n8n-nodes-supabase-jobs, its credentials and the workflow templates',
			line,
			` Editor     ${stack.n8n.url}`,
			...(dashboard?.active ? [` Dashboard  ${base}/webhook/jobs/dashboard  (API key ${key})`] : []),
			` Login      ${stack.n8n.owner.email}`,
			` Password   ${stack.n8n.owner.password}`,
			` Queue DB   ${db}  (schema mcp_jobs)`,
			` Active     ${active.join(', ')}`,
			` Inactive   ${inactive.join(', ')}  (open and activate when needed)`,
			...(errorHandler ? [` Error flow ${short(errorHandler)}  (the scheduled worker's error workflow)`] : []),
			'',
			' Enqueue a job through the jobs HTTP API; the instant worker runs it within a second:',
			`   ${enqueueCall('{"hello":"world"}')}`,
			'',
			' The same, keeping the job id, then the job with its runs and events (status "completed"):',
			`   JOB=$(${enqueueCall('{"hello":"world"}', '', false)} | sed -E 's/.*"jobId":"([^"]+)".*/\\1/')`,
			`   sleep 1; curl -s "${base}/webhook/jobs?id=$JOB" -H 'X-API-Key: ${key}'`,
			'',
			' Or in SQL:',
			`   psql ${psqlTarget} -c 'select id, job_type, status, attempts, result from mcp_jobs.jobs order by seq desc limit 5'`,
			'',
			' A job that fails, is retried once after 5 s and then lands in the dead letter queue:',
			`   ${enqueueCall('{"fail":true}', ',"maxRetries":1,"retryDelaySeconds":5')}`,
			'',
			` Executions: ${stack.n8n.url}home/executions   State: ${stateDir}`,
			` Ctrl-C stops n8n${stack.postgres.embedded ? ' and the database' : ''}; \`npm start\` again continues with the same data.`,
			line,
		].join('\n'),
	);
}

function maskPassword(url) {
	try {
		const u = new URL(url);
		if (u.password) u.password = '****';
		return u.toString();
	} catch {
		return '(DATABASE_URL)';
	}
}
