// Runs a workflow through n8n's real engine: n8n-workflow's Workflow (graph, parameter defaults,
// expressions) and n8n-core's WorkflowExecute (node contexts, pairedItem, onError/continueOnFail,
// error outputs). Modelled on packages/core/nodes-testing/node-test-harness.ts in the n8n monorepo,
// which is not published; DI, credentials and additionalData are in the sibling files.
import { WorkflowExecute } from 'n8n-core';
import { NodeConnectionTypes, Workflow } from 'n8n-workflow';
import type {
	ExecutionError,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeType,
	IRun,
	IVersionedNodeType,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createAdditionalData, createHooks } from './additional-data';
import { TestCredentialsHelper } from './credentials-helper';
import { ensureN8nEnvironment } from './environment';
import { MANUAL_TRIGGER_TYPE, TestNodeTypes, latestVersion } from './node-types';

export { MANUAL_TRIGGER_TYPE } from './node-types';
export { fakeRun, startTrigger } from './start-trigger';
export type { StartTriggerOptions, StartedTrigger, EmittedRun } from './start-trigger';

/** An INode whose id, typeVersion (default: the type's latest), position and parameters may be left out. */
export type TestNode = Omit<INode, 'id' | 'typeVersion' | 'position' | 'parameters'> &
	Partial<Pick<INode, 'id' | 'typeVersion' | 'position' | 'parameters'>>;

export interface RunWorkflowOptions {
	/** Node type name (as in INode.type) -> instance. A Manual Trigger is built in. */
	nodeTypes: Record<string, INodeType | IVersionedNodeType>;
	/** Credential type name -> decrypted data, returned to any node asking getCredentials(type). */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Optional: lets credentials get their properties' defaults, `extends` and `authenticate`. */
	credentialTypes?: Record<string, ICredentialType>;
	workflow: {
		nodes: TestNode[];
		connections: IConnections;
		settings?: IWorkflowSettings;
		staticData?: IDataObject;
	};
	/**
	 * The Manual Trigger's output (pinned on it, as n8n does for pinned trigger data). Without a
	 * Manual Trigger in the workflow, one is added and connected to every node that has no input
	 * connection. Without input, the trigger really runs and emits one empty item.
	 */
	input?: INodeExecutionData[];
	/** Defaults to 'manual', as in n8n's NodeTestHarness. */
	mode?: WorkflowExecuteMode;
}

export interface WorkflowRun {
	run: IRun;
	/** Names of the nodes in the order they finished (n8n's nodeExecuteAfter hook). */
	executionOrder: string[];
	/** Items of one main output (index 1 is the error output of a node with onError 'continueErrorOutput'). */
	outputOf(nodeName: string, outputIndex?: number, runIndex?: number): INodeExecutionData[];
	/**
	 * The error that stopped the node (not per-item errors a node turned into items), as n8n
	 * records it: a plain serialised copy (name, message, context.itemIndex, node...), not an Error.
	 */
	errorOf(nodeName: string, runIndex?: number): ExecutionError | undefined;
}

const TRIGGER_NAME = 'Manual Trigger';

export async function runWorkflow(opts: RunWorkflowOptions): Promise<WorkflowRun> {
	await ensureN8nEnvironment();
	const mode = opts.mode ?? 'manual';
	const nodeTypes = new TestNodeTypes(opts.nodeTypes);
	const credentials = opts.credentials ?? {};
	const nodes = opts.workflow.nodes.map((node, index) => completeNode(node, index, nodeTypes, credentials));
	const connections: IConnections = structuredClone(opts.workflow.connections);

	let trigger = nodes.find((node) => node.type === MANUAL_TRIGGER_TYPE);
	if (!trigger) {
		trigger = completeNode({ name: TRIGGER_NAME, type: MANUAL_TRIGGER_TYPE }, nodes.length, nodeTypes, credentials);
		const targets = nodes.filter((node) => !hasIncomingMain(connections, node.name));
		connections[trigger.name] = {
			main: [targets.map((node) => ({ node: node.name, type: NodeConnectionTypes.Main, index: 0 }))],
		};
		nodes.unshift(trigger);
	}

	const settings: IWorkflowSettings = { executionOrder: 'v1', ...opts.workflow.settings };
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'Test workflow',
		nodes,
		connections,
		active: false,
		nodeTypes,
		settings,
		staticData: opts.workflow.staticData,
	});

	const hooks = createHooks(mode, workflow);
	const executionOrder: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
	});

	const credentialsHelper = new TestCredentialsHelper(credentials, opts.credentialTypes ?? {});
	const additionalData = createAdditionalData(credentialsHelper, hooks);
	// cloned: n8n annotates the items it passes on (pairedItem...), and tests reuse their fixtures
	const pinData = opts.input ? { [trigger.name]: structuredClone(opts.input) } : undefined;
	const run = await new WorkflowExecute(additionalData, mode).run({ workflow, startNode: trigger, pinData });

	const taskData = (nodeName: string, runIndex: number) => {
		const tasks = run.data.resultData.runData[nodeName];
		if (!tasks) {
			const errors = Object.entries(run.data.resultData.runData)
				.filter(([, runs]) => runs.some((task) => task.error))
				.map(([name, runs]) => `${name}: ${runs.find((task) => task.error)?.error?.message}`);
			const workflowError = run.data.resultData.error;
			if (workflowError && !errors.length) errors.push(`workflow: ${workflowError.message}`);
			throw new Error(
				`test harness: node "${nodeName}" did not run (ran: ${executionOrder.join(', ') || 'none'}` +
					`${errors.length ? `; errors: ${errors.join('; ')}` : ''})`,
			);
		}
		return tasks[runIndex];
	};

	return {
		run,
		executionOrder,
		outputOf: (nodeName, outputIndex = 0, runIndex = 0) =>
			taskData(nodeName, runIndex)?.data?.[NodeConnectionTypes.Main]?.[outputIndex] ?? [],
		errorOf: (nodeName, runIndex = 0) => taskData(nodeName, runIndex)?.error,
	};
}

/** Connections for a straight line of nodes: chain('A', 'B', 'C') is A -> B -> C on main output 0. */
export function chain(...nodeNames: string[]): IConnections {
	const connections: IConnections = {};
	for (let i = 1; i < nodeNames.length; i++) {
		connections[nodeNames[i - 1]] = { main: [[{ node: nodeNames[i], type: NodeConnectionTypes.Main, index: 0 }]] };
	}
	return connections;
}

function completeNode(
	node: TestNode,
	index: number,
	nodeTypes: TestNodeTypes,
	credentials: Record<string, ICredentialDataDecryptedObject>,
): INode {
	const type = nodeTypes.getByName(node.type);
	const typeVersion = node.typeVersion ?? latestVersion(type);
	const complete: INode = {
		...structuredClone(node),
		id: node.id ?? `node-${index}`,
		typeVersion,
		position: node.position ?? [index * 200, 0],
		parameters: structuredClone(node.parameters ?? {}),
	};
	// n8n only resolves credentials a node is configured with (node.credentials[type]); configure
	// every declared credential type the test provides so tests do not have to.
	const declared = nodeTypes.getByNameAndVersion(node.type, typeVersion).description.credentials ?? [];
	for (const { name } of declared) {
		if (credentials[name] === undefined || complete.credentials?.[name]) continue;
		complete.credentials = { ...complete.credentials, [name]: { id: `test-${name}`, name: `${name} (test)` } };
	}
	return complete;
}

function hasIncomingMain(connections: IConnections, nodeName: string): boolean {
	return Object.values(connections).some((outputs) =>
		(outputs[NodeConnectionTypes.Main] ?? []).some((targets) => targets?.some((c) => c.node === nodeName)),
	);
}
