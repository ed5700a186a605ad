import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { getJobsClient } from '../shared/credentials';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import { toNodeError } from '../shared/errors';
import type { JobsCredentials } from '../shared/transport/types';
import { ClaimRunner } from './claimRunner';
import { properties } from './description';
import { JobListener, type WakePayload } from './listener';
import { manualTest } from './manual';
import { NotifyFeed } from './notifyFeed';
import { WakeScheduler } from './scheduler';
import { readSettings, type TriggerSettings } from './settings';

export class JobTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Job Trigger',
		name: 'jobTrigger',
		icon: JOBS_ICON,
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["mode"] === "notify" ? "notify: " : "claim and run: ") + $parameter["queue"] }}',
		description:
			'Starts the workflow the moment a job is enqueued: claims it and runs one execution per job, or notifies of new jobs',
		defaults: { name: 'Job Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties,
	};

	methods = { credentialTest };

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const settings = readSettings(this);
		const { client, credentials } = await getJobsClient(this);
		if (this.getMode() === 'manual') return { manualTriggerFunction: manualTest(this, client, settings) };

		// the scheduler is built below; nothing calls wake() before scheduler.start()
		const wake = () => scheduler.wake();
		const worker =
			settings.mode === 'notify'
				? new NotifyFeed(this, client, settings)
				: new ClaimRunner(this, client, settings, wake);
		try {
			// fails activation with an explained error when the migrations are missing or the credential is wrong
			await worker.probe();
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}

		const listenUrl = listenConnection(this, credentials, settings);
		const listener = listenUrl
			? new JobListener({
					connectionString: listenUrl,
					ssl: credentials.ssl,
					logger: this.logger,
					onWake: (payload) => {
						if (wanted(payload, settings)) wake();
					},
					// (re)connected: catch up on wake-ups sent while not listening
					onListening: wake,
				})
			: undefined;
		const scheduler = new WakeScheduler({
			pollIntervalMs: settings.pollIntervalMs,
			logger: this.logger,
			runCycle: async () => await worker.cycle(),
			nextDueAt: worker instanceof ClaimRunner ? async () => await worker.nextDueAt() : undefined,
			onPollTick: () => listener?.check(),
		});

		scheduler.start();
		listener?.start();
		this.logger.info(
			`Job Trigger: ${settings.mode === 'notify' ? 'notifying of' : 'claiming and running'} jobs of queue ${settings.queue} ` +
				`(${listener ? 'LISTEN + ' : ''}poll every ${settings.pollIntervalMs / 1000} s)`,
		);

		return {
			closeFunction: async () => {
				scheduler.stop();
				await listener?.stop();
				if (worker instanceof ClaimRunner) await worker.close(settings.shutdownWaitMs);
			},
		};
	}
}

/** The connection string to LISTEN on, if any (the credential's Postgres one, or the optional listen one). */
function listenConnection(ctx: ITriggerFunctions, credentials: JobsCredentials, settings: TriggerSettings): string | undefined {
	const url = (credentials.connectionString ?? '').trim();
	if (!settings.listen || !url) return undefined;
	if (!/^postgres(ql)?:\/\//.test(url)) {
		ctx.logger.warn(
			'Job Trigger: the Database Connection String of the credential does not start with postgresql://; polling only',
		);
		return undefined;
	}
	if (/:6543(\/|\?|$)/.test(url)) {
		ctx.logger.warn(
			"Job Trigger: port 6543 is Supabase's transaction pooler, which cannot LISTEN: new jobs are seen by polling only. " +
				'Use the session pooler or a direct connection (port 5432) for instant wake-ups.',
		);
	}
	return url;
}

/** Whether a wake-up may concern this trigger (its queue; its job types when the payload names the only job). */
function wanted(payload: WakePayload | undefined, settings: TriggerSettings): boolean {
	if (!payload) return true;
	if (payload.queue && payload.queue !== settings.queue) return false;
	if (settings.jobTypes.length && payload.job_type && payload.count === 1) {
		return settings.jobTypes.includes(payload.job_type);
	}
	return true;
}
