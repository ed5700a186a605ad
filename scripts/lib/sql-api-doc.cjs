'use strict';
// Renders docs/sql-api.md from a migrated database's catalog: every function of schema mcp_jobs with its
// arguments, result and contract (the `comment on function` of its migration), and the tables with their
// column comments. `npm run docs:sql-api` writes it; test/sql/sql-api-doc.test.ts fails when it is stale.

/** The order of the reference; a function missing here fails the render (so a new one gets a place). */
const SECTIONS = [
	['Enqueueing', ['enqueue_job', 'enqueue_jobs']],
	[
		'Working',
		[
			'claim_next_job',
			'complete_job',
			'complete_jobs',
			'fail_job',
			'fail_jobs',
			'heartbeat_job',
			'heartbeat_jobs',
			'snooze_job',
			'snooze_jobs',
			'log_job_event',
			'log_job_events',
			'release_jobs',
			'next_job_due_at',
		],
	],
	['Jobs', ['get_job', 'get_jobs', 'get_job_results', 'list_jobs', 'search_jobs', 'cancel_job', 'cancel_jobs', 'retry_job', 'retry_jobs']],
	[
		'Dead letters',
		[
			'list_dead_letters',
			'get_dead_letter_groups',
			'requeue_dead_letter',
			'requeue_dead_letters',
			'resolve_dead_letter',
			'resolve_dead_letters',
		],
	],
	['Queues', ['get_queue_stats', 'get_throughput', 'set_queue_paused', 'set_queue_limits']],
	['Maintenance', ['reap_expired_jobs', 'aggregate_metrics', 'cleanup_jobs']],
];

const TABLES = ['jobs', 'job_runs', 'job_events', 'dead_letter_queue', 'metrics', 'queue_settings'];

const HEADER = `# SQL API reference

Generated from the database catalog by \`npm run docs:sql-api\` (the contracts are the \`comment on function\` lines
of the migrations); do not edit by hand. Everything lives in schema \`mcp_jobs\` and is granted to \`service_role\`
only. Call it from SQL with named arguments, or as PostgREST RPC: \`POST /rest/v1/rpc/<name>\` with
\`Content-Profile: mcp_jobs\` and the arguments as a JSON object.

Errors: \`22023\` bad argument (HTTP 400; the message names the field and says what to pass), \`PT404\` unknown job or
dead letter (404), \`PT409\` not held by the caller / wrong state / a stale run (409). Batch functions report these per
item (\`ok = false\`, \`error_code\`, \`error_message\`) and apply the other items. Items are named by their JSON
index from 0 (\`p_jobs[0].job_id\`); the \`ordinal\` column counts from 1.

Input rules: whole numbers are JSON numbers or strings holding one; booleans are \`true\`/\`false\` (or those strings);
names (queue, source, job_type, worker_id) are trimmed, not blank, at most 200 characters; keys (idempotency_key,
group_key) at most 500; times are ISO 8601, finite, from 1970-01-01 to 9999-12-31 UTC; unknown fields in a batch item
are refused; a blank worker id is refused (null skips the holder check).
`;

async function query(client, sql) {
	return (await client.query(sql)).rows;
}

/** The reference as Markdown, from the database `client` is connected to. */
async function renderSqlApi(client) {
	const functions = await query(
		client,
		`
		select p.proname as name, pg_get_function_arguments(p.oid) as args, pg_get_function_result(p.oid) as result,
		       obj_description(p.oid, 'pg_proc') as comment
		from pg_proc p where p.pronamespace = 'mcp_jobs'::regnamespace
		order by p.proname, p.oid::regprocedure::text`,
	);
	const listed = new Set(SECTIONS.flatMap(([, names]) => names));
	const unlisted = functions.map((f) => f.name).filter((name) => !listed.has(name));
	if (unlisted.length) throw new Error(`sql-api-doc: add ${unlisted.join(', ')} to SECTIONS in scripts/lib/sql-api-doc.cjs`);

	const out = [HEADER];
	out.push('## Contents\n');
	for (const [title, names] of SECTIONS) out.push(`- ${title}: ${names.map((n) => `[${n}](#${n})`).join(' · ')}`);
	out.push('- [Tables](#tables)\n');
	for (const [title, names] of SECTIONS) {
		out.push(`## ${title}\n`);
		for (const name of names) {
			for (const f of functions.filter((x) => x.name === name)) {
				out.push(`### ${name}\n`);
				const args = f.args ? `(\n  ${f.args.split(', ').join(',\n  ')}\n)` : '()';
				out.push('```sql');
				out.push(`mcp_jobs.${name}${args}`);
				out.push(`returns ${f.result}`);
				out.push('```\n');
				out.push(`${f.comment ?? '(no contract comment)'}\n`);
			}
		}
	}

	out.push('## Tables\n');
	out.push('Read them freely (monitoring queries do); change them only through the functions above.\n');
	const columns = await query(
		client,
		`
		select c.relname as table_name, obj_description(c.oid, 'pg_class') as table_comment, a.attname as column_name,
		       format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null, col_description(c.oid, a.attnum) as comment
		from pg_class c join pg_attribute a on a.attrelid = c.oid
		where c.relnamespace = 'mcp_jobs'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
		order by c.relname, a.attnum`,
	);
	for (const table of TABLES) {
		const cols = columns.filter((c) => c.table_name === table);
		out.push(`### mcp_jobs.${table}\n`);
		if (cols[0]?.table_comment) out.push(`${cols[0].table_comment}\n`);
		out.push('| column | type | |');
		out.push('| --- | --- | --- |');
		for (const c of cols)
			out.push(`| \`${c.column_name}\` | ${c.type}${c.not_null ? ' not null' : ''} | ${(c.comment ?? '').replace(/\|/g, '\\|')} |`);
		out.push('');
	}
	return `${out.join('\n').trimEnd()}\n`;
}

module.exports = { renderSqlApi };
