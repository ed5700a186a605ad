import type { ResultShape } from './types';

/** The schema the migrations create the queue in (its SQL, the LISTEN channel and the migrate script name it too). */
export const QUEUE_SCHEMA = 'mcp_jobs';

/**
 * The SQL API the nodes call (migrations/*.sql): result shape and which parameters are jsonb
 * (sent as JSON text over pg, so arrays are not turned into Postgres arrays).
 */
export const SQL_FUNCTIONS = {
	enqueue_jobs: { shape: 'rows', json: ['p_jobs'] },
	claim_next_job: { shape: 'rows', json: [] },
	complete_jobs: { shape: 'rows', json: ['p_jobs'] },
	fail_jobs: { shape: 'rows', json: ['p_jobs'] },
	heartbeat_jobs: { shape: 'rows', json: ['p_jobs'] },
	log_job_events: { shape: 'rows', json: ['p_events'] },
	get_jobs: { shape: 'rows', json: ['p_jobs'] },
	list_jobs: { shape: 'rows', json: [] },
	cancel_jobs: { shape: 'rows', json: ['p_jobs'] },
	retry_jobs: { shape: 'rows', json: ['p_jobs'] },
	list_dead_letters: { shape: 'rows', json: [] },
	requeue_dead_letters: { shape: 'rows', json: ['p_items'] },
	resolve_dead_letters: { shape: 'rows', json: ['p_items'] },
	get_queue_stats: { shape: 'rows', json: [] },
	set_queue_paused: { shape: 'row', json: [] },
	reap_expired_jobs: { shape: 'rows', json: [] },
	aggregate_metrics: { shape: 'scalar', json: [] },
	cleanup_jobs: { shape: 'rows', json: [] },
	next_job_due_at: { shape: 'scalar', json: [] },
	release_jobs: { shape: 'rows', json: [] },
} as const satisfies Record<string, { shape: ResultShape; json: readonly string[] }>;

export type SqlFunctionName = keyof typeof SQL_FUNCTIONS;
