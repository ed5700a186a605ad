import type { INodeTypeDescription } from 'n8n-workflow';
import { testJobsCredential } from './credentials';

// What every node's description shares. The credentials block stays literal in each node file: the lint rule
// @n8n/community-nodes/credential-test-required reads `credentials: [{ name, testedBy }]` as an array literal
// in the node files package.json lists, and fails the credential when none does.

/** The icon of every node; the path is relative to the node's own folder (nodes/<Name>/), as n8n resolves it. */
export const JOBS_ICON: INodeTypeDescription['icon'] = {
	light: 'file:../../icons/supabase-jobs.svg',
	dark: 'file:../../icons/supabase-jobs.dark.svg',
};

/** methods.credentialTest of every node: the test the credentials block names in testedBy. */
export const credentialTest = { supabaseJobsApiTest: testJobsCredential };
