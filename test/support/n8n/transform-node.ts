// A node type for tests: one main input, `outputs` main outputs (default 1), no parameters; `execute` does the work.
import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType } from 'n8n-workflow';

export function transformNode(
	displayName: string,
	execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>,
	outputs = 1,
): INodeType {
	return {
		description: {
			displayName,
			name: displayName.replace(/\W+(\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toLowerCase()),
			group: ['transform'],
			version: 1,
			description: 'Test node',
			defaults: { name: displayName },
			inputs: [NodeConnectionTypes.Main],
			outputs: Array.from({ length: outputs }, () => NodeConnectionTypes.Main),
			properties: [],
		},
		execute,
	};
}
