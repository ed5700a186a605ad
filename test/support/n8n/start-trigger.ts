// Starts a trigger node the way n8n activates one: n8n-core's TriggersAndPollers.runTriggerFunction
// with a real TriggerContext (parameters + expressions, credentials through the credentials helper,
// helpers, static data). Where n8n's ActiveWorkflowManager would start an execution on emit(), we
// record the emission; the test plays the execution by settling its donePromise (see fakeRun()).
import { Container } from '@n8n/di';
import { TriggerContext, TriggersAndPollers } from 'n8n-core';
import { Workflow, createRunExecutionData } from 'n8n-workflow';
import type {
	ExecutionError,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
	IVersionedNodeType,
	WorkflowActivateMode,
} from 'n8n-workflow';
import { createAdditionalData, createHooks } from './additional-data';
import { TestCredentialsHelper } from './credentials-helper';
import { ensureN8nEnvironment } from './environment';
import { TestNodeTypes, latestVersion } from './node-types';

type EmitArgs = Parameters<ITriggerFunctions['emit']>;

export interface StartTriggerOptions {
	parameters?: INodeParameters;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	credentialTypes?: Record<string, ICredentialType>;
	/** 'trigger' = an active workflow (default); 'manual' = "Test workflow" in the editor. */
	mode?: 'trigger' | 'manual';
	/** Defaults to 'activate' ('manual' in manual mode). */
	activation?: WorkflowActivateMode;
	/** Node type name; defaults to `n8n-nodes-supabase-jobs.<description.name>`. */
	type?: string;
	/** Node settings: name, typeVersion, id... */
	node?: Partial<Omit<INode, 'parameters' | 'type'>>;
	/** The workflow's static data (getWorkflowStaticData('node') lives under `node:<name>`). */
	staticData?: IDataObject;
}

export interface EmittedRun {
	data: INodeExecutionData[][];
	responsePromise?: EmitArgs[1];
	/** What n8n resolves with the execution's IRun (status 'success' or 'error') when it ends. */
	donePromise?: EmitArgs[2];
}

export interface StartedTrigger {
	emitted: EmittedRun[];
	emitErrors: Array<{ error: Error; responsePromise?: EmitArgs[1] }>;
	failedExecutions: Error[];
	response: ITriggerResponse | undefined;
	manualTriggerFunction: (() => Promise<void>) | undefined;
	context: TriggerContext;
	workflow: Workflow;
	/** Resolves once at least `count` emissions were recorded; rejects after timeoutMs. */
	waitForEmits(count: number, timeoutMs?: number): Promise<EmittedRun[]>;
	/** Calls the trigger's closeFunction (as on deactivation); safe to call more than once. */
	close(): Promise<void>;
}

export async function startTrigger(
	nodeType: INodeType | IVersionedNodeType,
	opts: StartTriggerOptions = {},
): Promise<StartedTrigger> {
	await ensureN8nEnvironment();
	const mode = opts.mode ?? 'trigger';
	const activation = opts.activation ?? (mode === 'manual' ? 'manual' : 'activate');
	const type = opts.type ?? `n8n-nodes-supabase-jobs.${nodeType.description.name}`;
	const nodeTypes = new TestNodeTypes({ [type]: nodeType });
	const typeVersion = opts.node?.typeVersion ?? latestVersion(nodeType);
	const { description } = nodeTypes.getByNameAndVersion(type, typeVersion);
	const declared = description.credentials ?? [];
	const node: INode = {
		id: 'trigger-node',
		name: String(description.defaults.name ?? description.displayName),
		position: [0, 0],
		...opts.node,
		type,
		typeVersion,
		parameters: structuredClone(opts.parameters ?? {}),
		credentials: {
			...Object.fromEntries(
				declared
					.filter(({ name }) => opts.credentials?.[name] !== undefined)
					.map(({ name }) => [name, { id: `test-${name}`, name: `${name} (test)` }]),
			),
			...opts.node?.credentials,
		},
	};
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'Test workflow',
		nodes: [node],
		connections: {},
		active: mode === 'trigger',
		nodeTypes,
		settings: { executionOrder: 'v1' },
		staticData: opts.staticData,
	});

	const credentialsHelper = new TestCredentialsHelper(opts.credentials ?? {}, opts.credentialTypes ?? {});
	// manual mode: runTriggerFunction registers donePromise/responsePromise on these hooks.
	const hooks = createHooks(mode, workflow);
	const additionalData = createAdditionalData(credentialsHelper, hooks);

	const emitted: EmittedRun[] = [];
	const emitErrors: StartedTrigger['emitErrors'] = [];
	const failedExecutions: Error[] = [];
	const waiters = new Set<() => void>();
	const record: ITriggerFunctions['emit'] = (data, responsePromise, donePromise) => {
		emitted.push({ data, responsePromise, donePromise });
		waiters.forEach((check) => check());
	};
	const recordError: ITriggerFunctions['emitError'] = (error, responsePromise) => {
		emitErrors.push({ error, responsePromise });
	};
	const recordFailure: ITriggerFunctions['saveFailedExecution'] = (error) => {
		failedExecutions.push(error);
	};

	let context!: TriggerContext;
	// Only matters for the isolated expression engines, which evaluate only while an isolate is held.
	const response = await workflow.expression.withIsolate(
		async () =>
			await Container.get(TriggersAndPollers).runTriggerFunction(
				workflow,
				node,
				(wf, n, data, m, act) => {
					context = new TriggerContext(wf, n, data, m, act, record, recordError, recordFailure);
					return context;
				},
				additionalData,
				mode,
				activation,
			),
	);
	if (mode === 'manual') {
		// runTriggerFunction replaced emit & co. to feed response.manualTriggerResponse; keep
		// that behaviour and record as well.
		const writable = context as { -readonly [K in keyof TriggerContext]: TriggerContext[K] };
		const [emit, emitError, saveFailed] = [context.emit, context.emitError, context.saveFailedExecution];
		writable.emit = (...args) => (record(...args), emit(...args));
		writable.emitError = (...args) => (recordError(...args), emitError(...args));
		writable.saveFailedExecution = (...args) => (recordFailure(...args), saveFailed(...args));
	}

	let closed = false;
	return {
		emitted,
		emitErrors,
		failedExecutions,
		response,
		manualTriggerFunction: response?.manualTriggerFunction,
		context,
		workflow,
		waitForEmits: (count, timeoutMs = 5000) =>
			new Promise((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`test harness: ${emitted.length}/${count} emits after ${timeoutMs} ms`)),
					timeoutMs,
				);
				const check = () => {
					if (emitted.length < count) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(emitted);
				};
				waiters.add(check);
				check();
			}),
		close: async () => {
			if (closed) return;
			closed = true;
			await response?.closeFunction?.();
		},
	};
}

/** An IRun like the one n8n resolves an emit's donePromise with when the execution ends. */
export function fakeRun(status: 'success' | 'error' = 'success', error?: ExecutionError): IRun {
	return {
		data: createRunExecutionData({ resultData: { runData: {}, ...(error ? { error } : {}) } }),
		mode: 'trigger',
		status,
		finished: status === 'success',
		startedAt: new Date(),
		stoppedAt: new Date(),
		storedAt: 'db',
	};
}
