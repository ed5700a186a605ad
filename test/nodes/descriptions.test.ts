// The parts of the node descriptions n8n's lint rules cannot see once they come from one place
// (nodes/shared/nodeDescription.ts): icon files, and the credential test each node names; and each node's codex
// (Name.node.json), whose aliases the node panel's search matches.
import { existsSync, readFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import type { INodeType } from 'n8n-workflow';
import pkg from '../../package.json';

const root = resolve(__dirname, '../..');

/** What a user may type in the node panel to find every node of the package. */
const SEARCH_TERMS = ['Supabase', 'Supabase Jobs', 'queue', 'job', 'worker', 'background', 'retry', 'dead letter'];

/** package.json's n8n.nodes (dist/nodes/X/X.node.js) as source paths (nodes/X/X.node.ts). */
const nodeFiles = pkg.n8n.nodes.map((dist) => dist.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function load(file: string): INodeType {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exports = require(join(root, file)) as Record<string, new () => INodeType>;
	const [NodeClass] = Object.values(exports);
	return new NodeClass();
}

describe.each(nodeFiles)('%s', (file) => {
	const node = load(file);

	it('has a light and a dark icon that exist, relative to its folder as n8n resolves them', () => {
		const { icon } = node.description;
		expect(icon).toEqual({ light: expect.stringMatching(/^file:/), dark: expect.stringMatching(/^file:/) });
		const { light, dark } = icon as { light: string; dark: string };
		for (const path of [light, dark]) {
			expect({ path, exists: existsSync(join(root, dirname(file), path.replace(/^file:/, ''))) }).toEqual({ path, exists: true });
		}
	});

	it('has the credential test its credentials block names', () => {
		const [credential] = node.description.credentials ?? [];
		expect(credential).toMatchObject({ name: 'supabaseJobsApi', required: true });
		expect(Object.keys(node.methods?.credentialTest ?? {})).toEqual([credential.testedBy]);
	});

	it('has a codex that names it and lists every search term as an alias', () => {
		const codex = JSON.parse(readFileSync(join(root, file.replace(/\.ts$/, '.json')), 'utf8'));
		expect(codex.node).toBe(`n8n-nodes-supabase-jobs.${node.description.name}`);
		expect(codex.alias).toEqual(expect.arrayContaining(SEARCH_TERMS));
	});
});
