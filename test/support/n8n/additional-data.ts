import { ExecutionLifecycleHooks, ExternalSecretsProxy } from 'n8n-core';
import type {
	ICredentialsHelper,
	IWorkflowExecuteAdditionalData,
	Workflow,
	WorkflowExecuteMode,
} from 'n8n-workflow';

const unsupported = (what: string) => async (): Promise<never> => {
	throw new Error(`test harness: ${what} is not supported`);
};

/**
 * What the CLI's WorkflowExecuteAdditionalData.getBase() provides, reduced to what a single
 * in-process execution needs. n8n's NodeTestHarness uses a deep jest-mock-extended mock here;
 * a plain object makes a node that reaches for something unsupported fail loudly instead.
 */
export function createAdditionalData(
	credentialsHelper: ICredentialsHelper,
	hooks?: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	return {
		hooks,
		credentialsHelper,
		externalSecretsProxy: new ExternalSecretsProxy(),
		executionId: 'test-execution',
		workflowId: 'test-workflow',
		currentNodeExecutionIndex: 0,
		variables: {},
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		executeWorkflow: unsupported('executeWorkflow (sub-workflows)'),
		getRunExecutionData: unsupported('getRunExecutionData'),
		getRuntimeCredential: unsupported('getRuntimeCredential'),
		startRunnerTask: unsupported('startRunnerTask (Code node task runners)'),
		logAiEvent: () => {},
	};
}

/** Lifecycle hooks for one execution of `workflow` (the CLI adds its persistence/push handlers here). */
export function createHooks(mode: WorkflowExecuteMode, workflow: Workflow): ExecutionLifecycleHooks {
	const now = new Date();
	return new ExecutionLifecycleHooks(mode, 'test-execution', {
		id: workflow.id,
		name: workflow.name ?? '',
		active: workflow.active,
		isArchived: false,
		activeVersionId: null,
		createdAt: now,
		updatedAt: now,
		nodes: Object.values(workflow.nodes),
		connections: workflow.connectionsBySourceNode,
		settings: workflow.settings,
	});
}
