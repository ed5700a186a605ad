import { NodeOperationError, type ITriggerFunctions } from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import { toNodeError } from '../shared/errors';
import type { JobRow } from '../shared/transport/rows';
import { jobItems } from './jobItems';
import type { TriggerSettings } from './settings';

/**
 * "Fetch test event" in the editor: emits the newest queued job matching the filters, without claiming it
 * (a test run must not take a job away from the real workers), or fails with what to do when there is none.
 */
export function manualTest(ctx: ITriggerFunctions, client: JobsClient, settings: TriggerSettings): () => Promise<void> {
	return async () => {
		const { queue, jobTypes, source } = settings;
		let rows: JobRow[];
		try {
			rows = await client.call('list_jobs', {
				p_queue: queue,
				p_status: 'queued',
				p_source: source,
				p_job_type: jobTypes.length === 1 ? jobTypes[0] : undefined,
				p_limit: jobTypes.length > 1 ? 200 : 1,
			});
		} catch (error) {
			throw toNodeError(ctx.getNode(), error);
		}
		const job = rows.find((row) => jobTypes.length <= 1 || jobTypes.includes(row.job_type));
		if (!job) {
			const what = [
				jobTypes.length ? `of type ${jobTypes.join(', ')}` : '',
				source ? `from source ${source}` : '',
			].filter(Boolean);
			throw new NodeOperationError(
				ctx.getNode(),
				`No queued job ${what.length ? `${what.join(' ')} ` : ''}in queue ${queue} — enqueue one with the Enqueue Job node, then fetch again`,
				{
					description:
						'The test shows the newest queued job without claiming it. Once the workflow is active, the trigger runs every new job.',
				},
			);
		}
		// n8n replaces ctx.emit for the test run after trigger() returns: call it through ctx, at this point
		ctx.emit(jobItems([job]));
	};
}
