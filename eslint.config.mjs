// n8n's community-node lint rules (the @n8n/node-cli config without n8n Cloud support) for the package's
// TypeScript, except no-runtime-dependencies: this package ships @supabase/supabase-js and pg and is for
// self-hosted n8n. The tests' TypeScript keeps the TypeScript rules without the community-node ones; the plain
// JavaScript around it all (scripts/, bench/, bin/, the e2e tests and test support, the root config files) gets
// ESLint's recommended rules for Node.
import js from '@eslint/js';
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';
import globals from 'globals';

const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const communityNodeRulesOff = Object.fromEntries(
	configWithoutCloudSupport
		.flatMap((config) => Object.keys(config.rules ?? {}))
		.filter((rule) => rule.startsWith('@n8n/community-nodes/'))
		.map((rule) => [rule, 'off']),
);

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'bench/node_modules/**', '**/.cache/**'] },
	...configWithoutCloudSupport,
	{
		files: ['package.json'],
		rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' },
	},
	{
		// below the node layer: RpcError is turned into NodeApiError by nodes/shared/errors.ts
		files: ['nodes/shared/transport/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// tests are not node code: they spawn processes and hold throwaway passwords on purpose
		files: ['test/**/*.ts'],
		rules: { ...communityNodeRulesOff, '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off' },
	},
	{
		files: JS_FILES,
		...js.configs.recommended,
		languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.node },
		rules: {
			...js.configs.recommended.rules,
			'no-unused-vars': [
				'error',
				{ args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
			],
			'prefer-const': 'error',
			'no-var': 'error',
			eqeqeq: ['error', 'always', { null: 'ignore' }],
			'max-len': ['error', { code: 140, tabWidth: 2 }],
		},
	},
	{
		files: ['**/*.js', '**/*.cjs'],
		languageOptions: { sourceType: 'commonjs' },
	},
	{
		// the dashboard page: browser scripts that the build joins into one <script> (their top-level names are shared)
		files: ['dashboard/page/js/*.js'],
		languageOptions: { sourceType: 'script', globals: globals.browser },
		rules: { 'no-unused-vars': 'off', 'no-undef': 'off' },
	},
	{
		// the dashboard API's checks: bodies of n8n expressions ($input is n8n's), built into the template
		files: ['dashboard/server/*.js'],
		languageOptions: {
			sourceType: 'script',
			globals: { $: 'readonly', $input: 'readonly', $json: 'readonly' },
			parserOptions: { ecmaFeatures: { globalReturn: true } },
		},
	},
	{
		// the dashboard's words (messages, the template's sticky note) stay whole strings
		files: ['dashboard/**/*.js', 'dashboard/**/*.mjs'],
		rules: { 'max-len': ['error', { code: 140, tabWidth: 2, ignoreStrings: true, ignoreTemplateLiterals: true }] },
	},
	{
		// the dashboard's browser test: the callbacks of page.evaluate() run in the page
		files: ['test/e2e/dashboard*.mjs'],
		languageOptions: { globals: { ...globals.node, ...globals.browser } },
	},
];
