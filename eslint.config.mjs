// n8n's community-node lint rules (the @n8n/node-cli config without n8n Cloud support), except
// no-runtime-dependencies: this package ships @supabase/supabase-js and pg and is for self-hosted n8n.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'bench/node_modules/**', '.cache/**', '**/*.mjs', '**/*.js'] },
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
		files: ['test/**/*.ts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off' },
	},
];
