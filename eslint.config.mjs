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
			'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
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
];
