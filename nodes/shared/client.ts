import type { IDataObject } from 'n8n-workflow';
import { PostgresTransport } from './transport/postgresTransport';
import { SupabaseTransport } from './transport/supabaseTransport';
import { SQL_FUNCTIONS, type SqlFunctionName } from './transport/functions';
import type { JobsCredentials, RpcTransport } from './transport/types';

/** A credential field that is missing or malformed; the message names the field and the fix. */
export class CredentialFieldError extends Error {}

/** Builds the transport a credential describes, validating its fields. */
export function transportFor(credentials: JobsCredentials): RpcTransport {
	if (credentials.connection === 'postgres') {
		const cs = (credentials.connectionString || '').trim();
		if (!/^postgres(ql)?:\/\//.test(cs)) {
			throw new CredentialFieldError(
				'Connection String must start with postgresql:// (e.g. postgresql://postgres.<ref>:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres)',
			);
		}
		return new PostgresTransport(cs, credentials.ssl);
	}
	const url = (credentials.supabaseUrl || '').trim().replace(/\/+$/, '').replace(/\/rest\/v1$/, '');
	if (!/^https?:\/\/[^/\s]+/.test(url)) {
		throw new CredentialFieldError('Supabase URL must look like https://<project-ref>.supabase.co (without /rest/v1)');
	}
	const key = (credentials.serviceRoleKey || '').trim();
	if (!key) {
		throw new CredentialFieldError('Service Role Secret is empty: paste the service_role key from Project Settings > API Keys');
	}
	return new SupabaseTransport(url, key);
}

export type Row = IDataObject;

/** Typed calls of the queue's SQL API (migrations/*.sql); one method, one round trip. */
export class JobsClient {
	constructor(readonly transport: RpcTransport) {}

	static fromCredentials(credentials: JobsCredentials): JobsClient {
		return new JobsClient(transportFor(credentials));
	}

	call<T = unknown>(fn: SqlFunctionName, args: Record<string, unknown> = {}): Promise<T> {
		return this.transport.call(fn, args, SQL_FUNCTIONS[fn].shape) as Promise<T>;
	}

	enqueueJobs(jobs: IDataObject[]) {
		return this.call<Row[]>('enqueue_jobs', { p_jobs: jobs });
	}

	claim(opts: { workerId: string; queue?: string; jobTypes?: string[]; limit?: number; leaseSeconds?: number }) {
		return this.call<Row[]>('claim_next_job', {
			p_worker_id: opts.workerId,
			p_queue: opts.queue,
			p_job_types: opts.jobTypes?.length ? opts.jobTypes : undefined,
			p_limit: opts.limit,
			p_lease_seconds: opts.leaseSeconds,
		});
	}

	completeJobs(items: IDataObject[]) {
		return this.call<Row[]>('complete_jobs', { p_jobs: items });
	}

	failJobs(items: IDataObject[]) {
		return this.call<Row[]>('fail_jobs', { p_jobs: items });
	}

	heartbeatJobs(items: IDataObject[]) {
		return this.call<Row[]>('heartbeat_jobs', { p_jobs: items });
	}

	logEvents(items: IDataObject[]) {
		return this.call<Row[]>('log_job_events', { p_events: items });
	}

	/** Puts jobs this worker claimed but never started back to queued (the attempt does not count). */
	releaseJobs(jobIds: string[], workerId: string) {
		return this.call<Row[]>('release_jobs', { p_job_ids: jobIds, p_worker_id: workerId });
	}

	nextDueAt(queue?: string, jobTypes?: string[]) {
		return this.call<string | null>('next_job_due_at', { p_queue: queue, p_job_types: jobTypes?.length ? jobTypes : undefined });
	}
}
