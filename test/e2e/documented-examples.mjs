// The examples users copy: every `curl` command and every JSON job body (an object with jobType or job_type) in
// README.md and in the templates' sticky notes, and the SQL (`select mcp_jobs.…`) in the sticky notes. The e2e
// runs them against a real n8n (test/e2e/deploy.test.mjs), so a misspelt field or a wrong path fails a test.
// Placeholders: `<n8n>` and http://localhost:5678 are the n8n base URL, `<secret>` the Jobs API key, `<job id>` the
// id of the job the previous example enqueued.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @typedef {{ where: string, kind: 'curl'|'json'|'sql', text: string }} Example
 * @returns {Example[]} in document order: README.md, then the templates by file name
 */
export function documentedExamples() {
	const docs = [{ where: 'README.md', text: readFileSync(join(REPO, 'README.md'), 'utf8') }];
	for (const file of readdirSync(join(REPO, 'workflows')).sort()) {
		const workflow = JSON.parse(readFileSync(join(REPO, 'workflows', file), 'utf8'));
		for (const note of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote')) {
			docs.push({ where: `workflows/${file} (sticky note "${note.name}")`, text: note.parameters.content, sticky: true });
		}
	}
	return docs.flatMap(({ where, text, sticky }) =>
		codeIn(text).flatMap((code) => {
			const kind = kindOf(code, { sticky });
			return kind ? [{ where, kind, text: code }] : [];
		}),
	);
}

/** Fenced blocks (their commands, `\`-continued lines joined), then inline code spans outside them. */
function codeIn(markdown) {
	const blocks = [];
	const inline = markdown.replace(/```[^\n]*\n([\s\S]*?)```/g, (_, body) => {
		blocks.push(...body.replace(/\\\n\s*/g, ' ').split('\n'));
		return '';
	});
	const spans = [...inline.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
	return [...blocks, ...spans].map((code) => code.trim()).filter(Boolean);
}

function kindOf(code, { sticky }) {
	if (/^curl\s/.test(code)) return 'curl';
	if (sticky && /^select mcp_jobs\./i.test(code)) return 'sql';
	if (!code.startsWith('{')) return undefined;
	try {
		const value = JSON.parse(code);
		return 'jobType' in value || 'job_type' in value ? 'json' : undefined;
	} catch {
		return undefined;
	}
}

/**
 * A curl command as a request: -X, -H, -d/--data (and a URL), after substituting the placeholders.
 * @param {string} command
 * @param {{ baseUrl: string, apiKey: string, jobId?: string }} values
 */
export function curlRequest(command, { baseUrl, apiKey, jobId }) {
	const filled = command
		.replaceAll('<n8n>', baseUrl)
		.replaceAll('http://localhost:5678', baseUrl)
		.replaceAll('<secret>', apiKey)
		.replaceAll('<job id>', jobId ?? '<job id>');
	const words = shellWords(filled);
	const request = { method: undefined, url: undefined, headers: {}, body: undefined };
	for (let i = 1; i < words.length; i++) {
		const word = words[i];
		if (word === '-X' || word === '--request') request.method = words[++i];
		else if (word === '-H' || word === '--header') {
			const [name, ...value] = words[++i].split(':');
			request.headers[name.trim()] = value.join(':').trim();
		} else if (word === '-d' || word === '--data' || word === '--data-raw') request.body = words[++i];
		else if (word.startsWith('-'))
			continue; // -s and the like
		else request.url = word;
	}
	request.method ??= request.body === undefined ? 'GET' : 'POST';
	if (!request.url?.startsWith(baseUrl)) throw new Error(`no n8n URL in the documented command: ${command}`);
	return request;
}

/** Splits a shell command line into words: single and double quotes, backslash escapes. */
function shellWords(line) {
	const words = [];
	let word;
	let quote;
	for (let i = 0; i < line.length; i++) {
		const c = line[i];
		if (quote) {
			if (c === quote) quote = undefined;
			else if (c === '\\' && quote === '"' && /["\\$`]/.test(line[i + 1])) word += line[++i];
			else word += c;
		} else if (c === "'" || c === '"') {
			quote = c;
			word ??= '';
		} else if (/\s/.test(c)) {
			if (word !== undefined) words.push(word);
			word = undefined;
		} else if (c === '\\') {
			word = (word ?? '') + line[++i];
		} else {
			word = (word ?? '') + c;
		}
	}
	if (quote) throw new Error(`unbalanced ${quote} in: ${line}`);
	if (word !== undefined) words.push(word);
	return words;
}
