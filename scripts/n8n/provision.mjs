// Idempotent set-up of a running n8n: credentials by (name, type) through its API, workflow templates by id or name
// through its CLI import (imported once, never duplicated; n8n binds their credentials by name).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPages } from './api.mjs';

/** @typedef {import('./api.mjs').N8nApi} N8nApi */

/**
 * Creates the credential, or updates the existing one with the same name and type, but only when `data` differs
 * from what this function last wrote into it (`written`, a fingerprint it returns): so edits made in the editor
 * survive the next start, unless the data itself changed (e.g. another DATABASE_URL), which then wins.
 * @param {N8nApi} api
 * @param {{ name: string, type: string, data: Record<string, unknown> }} credential
 * @param {{ written?: string }} [previous]  the fingerprint returned last time
 * @returns {Promise<{ id: string, name: string, type: string, outcome: 'created'|'updated'|'kept', written: string }>}
 */
export async function upsertCredential(api, { name, type, data }, { written } = {}) {
	const fingerprint = createHash('sha256').update(JSON.stringify({ name, type, data })).digest('hex');
	const existing = (await api.listCredentials()).find((c) => c.name === name && c.type === type);
	if (!existing) {
		const created = await api.createCredential({ name, type, data });
		return { ...created, outcome: 'created', written: fingerprint };
	}
	if (written === fingerprint) return { id: existing.id, name, type, outcome: 'kept', written };
	await api.updateCredential(existing.id, { name, type, data });
	return { id: existing.id, name, type, outcome: 'updated', written: fingerprint };
}

/** Every workflow named `name` (not archived). */
async function findWorkflowsByName(api, name) {
	const found = await listPages(api.publicApi, `/workflows?name=${encodeURIComponent(name)}&excludePinnedData=true`);
	return found.filter((w) => w.name === name && !w.isArchived);
}

/** The workflow with this id, unless it does not exist or is archived. */
async function findWorkflowById(api, id) {
	try {
		const workflow = await api.getWorkflow(id);
		return workflow.isArchived ? undefined : workflow;
	} catch (err) {
		if (err.status === 404) return undefined;
		throw err;
	}
}

/**
 * Imports the templates n8n does not have yet (neither their id nor their name) as users do, with the CLI's
 * `n8n import:workflow` (one call for all of them): each keeps its id, so importing its file again updates it, and
 * n8n binds its credentials by name. A template that exists is left as it is, so edits made in the editor survive.
 * @param {import('./start-n8n.mjs').N8nHandle} n8n
 * @param {N8nApi} api
 * @param {Array<{ file: string, workflow: { id: string, name: string } }>} templates
 * @returns {Promise<Record<string, { id: string, name: string, created: boolean, active: boolean }>>} by file
 */
export async function importTemplatesOnce(n8n, api, templates) {
	const byFile = {};
	const missing = [];
	for (const { file, workflow } of templates) {
		if (!workflow.id) throw new Error(`workflows/${file} has no id: the CLI import needs one`);
		const existing = (await findWorkflowById(api, workflow.id)) ?? (await findWorkflowsByName(api, workflow.name))[0];
		if (existing) byFile[file] = { id: existing.id, name: existing.name, created: false, active: Boolean(existing.active) };
		else missing.push({ file, workflow });
	}
	if (!missing.length) return byFile;
	const dir = await mkdtemp(join(tmpdir(), 'n8n-templates-'));
	try {
		const input = join(dir, 'templates.json');
		await writeFile(input, JSON.stringify(missing.map((t) => t.workflow)));
		await n8n.cli(['import:workflow', `--input=${input}`]);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
	for (const { file, workflow } of missing) {
		if (!(await findWorkflowById(api, workflow.id))) throw new Error(`n8n import:workflow did not import workflows/${file}`);
		byFile[file] = { id: workflow.id, name: workflow.name, created: true, active: false };
	}
	return byFile;
}

/**
 * Sets keys of a workflow's settings (e.g. `{ errorWorkflow: id }`), keeping its nodes and connections.
 * The public API's PUT replaces the workflow, so it sends the stored one back with the new settings.
 */
export async function updateWorkflowSettings(api, id, settings) {
	const wf = await api.getWorkflow(id);
	const merged = { ...(wf.settings ?? {}), ...settings };
	if (Object.entries(settings).every(([k, v]) => wf.settings?.[k] === v)) return false;
	await api.publicApi('PUT', `/workflows/${id}`, {
		name: wf.name,
		nodes: wf.nodes,
		connections: wf.connections,
		settings: pickSettings(merged),
	});
	return true;
}

/**
 * Reads every `*.json` template in `dir`, sorted by file name.
 * @returns {Promise<Array<{ file: string, workflow: object }>>}
 */
export async function readTemplates(dir) {
	const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
	return Promise.all(files.map(async (file) => ({ file, workflow: JSON.parse(await readFile(join(dir, file), 'utf8')) })));
}

// The public API's workflow settings schema has additionalProperties: false: keep only what it accepts.
const SETTINGS_KEYS = [
	'saveExecutionProgress',
	'saveManualExecutions',
	'saveDataErrorExecution',
	'saveDataSuccessExecution',
	'executionTimeout',
	'errorWorkflow',
	'timezone',
	'executionOrder',
	'binaryMode',
	'callerPolicy',
	'callerIds',
	'timeSavedMode',
	'timeSavedPerExecution',
	'redactionPolicy',
];

function pickSettings(settings) {
	return Object.fromEntries(Object.entries(settings).filter(([k, v]) => SETTINGS_KEYS.includes(k) && v !== undefined && v !== null));
}

/** Imports a copy of a stored workflow under a new name after `edit(node)` on each node; returns its id. */
export async function copyWorkflow(api, id, name, edit, settings = { executionOrder: 'v1' }) {
	const wf = await api.getWorkflow(id);
	const nodes = wf.nodes.map((n) => {
		const node = structuredClone(n);
		edit(node);
		return node;
	});
	return api.importWorkflow({ name, nodes, connections: wf.connections, settings });
}
