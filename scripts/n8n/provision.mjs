// Idempotent set-up of a running n8n through its public API: credentials by (name, type), workflow
// templates by name (imported once, never duplicated), with the templates' placeholder credentials bound.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bindCredentials } from './api.mjs';

/** @typedef {import('./api.mjs').N8nApi} N8nApi */

/**
 * Creates the credential, or updates the data of the existing one with the same name and type (so a
 * changed connection string or key takes effect and workflows keep pointing at the same id).
 * @param {N8nApi} api
 * @param {{ name: string, type: string, data: Record<string, unknown> }} credential
 * @returns {Promise<{ id: string, name: string, type: string, created: boolean }>}
 */
export async function upsertCredential(api, { name, type, data }) {
	const existing = (await listAll(api, '/credentials')).find((c) => c.name === name && c.type === type);
	if (!existing) {
		const created = await api.createCredential({ name, type, data });
		return { ...created, created: true };
	}
	await api.publicApi('PATCH', `/credentials/${existing.id}`, { data });
	return { id: existing.id, name, type, created: false };
}

/** Every workflow named `name` (not archived). */
async function findWorkflowsByName(api, name) {
	const found = await listAll(api, `/workflows?name=${encodeURIComponent(name)}&excludePinnedData=true`);
	return found.filter((w) => w.name === name && !w.isArchived);
}

/**
 * Imports a template unless a workflow with its name exists (then returns that one untouched, so edits
 * made in the editor survive a re-run).
 * @param {N8nApi} api
 * @param {object} workflow  the template JSON
 * @param {{ credentials?: Record<string, { id: string, name: string }> }} [options]  credential per type to bind
 * @returns {Promise<{ id: string, name: string, created: boolean, active: boolean }>}
 */
export async function importTemplateOnce(api, workflow, { credentials = {} } = {}) {
	const [existing] = await findWorkflowsByName(api, workflow.name);
	if (existing) return { id: existing.id, name: existing.name, created: false, active: Boolean(existing.active) };
	const id = await api.importWorkflow(bindCredentials(structuredClone(workflow), credentials));
	return { id, name: workflow.name, created: true, active: false };
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

/** All pages of a cursor-paged public-API list. */
async function listAll(api, path) {
	const out = [];
	let cursor;
	do {
		const sep = path.includes('?') ? '&' : '?';
		const page = await api.publicApi('GET', `${path}${sep}limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		out.push(...(page.data ?? []));
		cursor = page.nextCursor;
	} while (cursor);
	return out;
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
