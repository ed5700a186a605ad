// Builds the dashboard page: dashboard/page/index.html with styles.css and js/*.js (in file name order, one
// strict-mode function scope) inlined, and a Content-Security-Policy meta tag that allows exactly that
// script and style block (by hash): an injected <script> or inline event handler would not run even if
// some job content were ever turned into markup.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** @param {string} pageDir  dashboard/page */
export async function buildPage(pageDir) {
	const template = await readFile(join(pageDir, 'index.html'), 'utf8');
	const css = await readFile(join(pageDir, 'styles.css'), 'utf8');
	const jsFiles = (await readdir(join(pageDir, 'js'))).filter((f) => f.endsWith('.js')).sort();
	const parts = await Promise.all(jsFiles.map(async (f) => `// ---- ${f}\n${await readFile(join(pageDir, 'js', f), 'utf8')}`));
	const js = `\n(() => {\n'use strict';\n${parts.join('\n')}\n})();\n`;
	const style = `\n${css}`;
	const csp = [
		"default-src 'none'",
		`script-src '${sha256(js)}'`,
		`style-src '${sha256(style)}'`,
		"connect-src 'self'",
		'img-src data:',
		"base-uri 'none'",
		"form-action 'none'",
	].join('; ');
	return replaceMarker(
		replaceMarker(
			replaceMarker(template, 'content-security-policy', `<meta http-equiv="Content-Security-Policy" content="${csp}">`),
			'styles.css',
			`<style>${style}</style>`,
		),
		'app.js',
		`<script>${js}</script>`,
	);
}

function sha256(text) {
	return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function replaceMarker(html, name, replacement) {
	const marker = `<!-- build: ${name} -->`;
	if (!html.includes(marker)) throw new Error(`dashboard/page/index.html has no ${marker}`);
	return html.replace(marker, () => replacement);
}
