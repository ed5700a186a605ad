import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** How the nodes reach the queue: Supabase's API (PostgREST RPC) or a Postgres connection string. */
export class SupabaseJobsApi implements ICredentialType {
	name = 'supabaseJobsApi';

	displayName = 'Supabase Jobs API';

	icon: Icon = { light: 'file:../icons/supabase-jobs.svg', dark: 'file:../icons/supabase-jobs.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-supabase-jobs/n8n-nodes-supabase-jobs#credential-supabase-jobs-api';

	// Tested by the nodes' credentialTest method (supabaseJobsApiTest): a Postgres connection cannot be
	// tested with an HTTP request, and the test must call the queue, not only reach the host.
	//
	// Only the two required Supabase API fields use `show`; the others use `hide`. n8n 1.x's public API validates a
	// credential against a JSON schema built from the `show` conditions, taking each selector's first value only: any
	// field shown for the other connection would be forbidden there, and any shown optional field required.
	// (`required` on Connection String would make it required for both connections in that schema: the node
	// checks it at run time instead, naming the field.)
	properties: INodeProperties[] = [
		{
			displayName: 'Connection',
			name: 'connection',
			type: 'options',
			options: [
				{
					name: 'Supabase API',
					value: 'supabaseApi',
					description: 'Project URL and service role secret; calls the queue functions through the Data API (PostgREST)',
				},
				{
					name: 'Postgres',
					value: 'postgres',
					description: 'A Postgres connection string: Supabase direct or session pooler (port 5432), or any PostgreSQL',
				},
			],
			default: 'supabaseApi',
		},
		{
			displayName: 'Supabase URL',
			name: 'supabaseUrl',
			type: 'string',
			placeholder: 'https://your-project-ref.supabase.co',
			default: '',
			required: true,
			displayOptions: { show: { connection: ['supabaseApi'] } },
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- it holds a secret (key or password)
		{
			displayName: 'Service Role Secret',
			name: 'serviceRoleKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The service_role key (Project Settings > API Keys). The queue grants nothing to anon or authenticated.',
			displayOptions: { show: { connection: ['supabaseApi'] } },
		},
		{
			displayName: 'Max Rows per Call',
			name: 'maxRowsPerCall',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 1000,
			description:
				"The project's Max Rows (Project Settings > Data API; 1000 unless changed). The API returns at most that many rows per call, so the nodes send batches in chunks of this size.",
			displayOptions: { hide: { connection: ['postgres'] } },
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- it holds a secret (key or password)
		{
			displayName: 'Connection String',
			name: 'connectionString',
			type: 'string',
			typeOptions: { password: true },
			placeholder: 'postgresql://postgres.your-ref:password@aws-0-region.pooler.supabase.com:5432/postgres',
			default: '',
			description: 'Required. Use port 5432 (direct or session mode): the transaction pooler (6543) cannot LISTEN for new jobs.',
			displayOptions: { hide: { connection: ['supabaseApi'] } },
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- it holds a secret (key or password)
		{
			displayName: 'Database Connection String (for Instant Wake-Ups)',
			name: 'listenConnectionString',
			type: 'string',
			typeOptions: { password: true },
			placeholder: 'postgresql://postgres.your-ref:password@aws-0-region.pooler.supabase.com:5432/postgres',
			default: '',
			description:
				'Optional. Lets the Job Trigger LISTEN for new jobs and fire within milliseconds; without it the trigger polls. Session mode (5432) or direct only.',
			displayOptions: { hide: { connection: ['postgres'] } },
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Require (Supabase)', value: 'require', description: 'Encrypt; do not verify the certificate' },
				{ name: 'Verify Full', value: 'verify-full', description: 'Encrypt and verify the certificate against the system CAs' },
				{ name: 'Disable', value: 'disable', description: 'Plain connection, e.g. a local PostgreSQL' },
			],
			default: 'require',
			description: 'For the Postgres connection strings. An sslmode in the connection string takes precedence.',
		},
	];
}
