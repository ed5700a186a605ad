// The n8n harness in one import:
//   import { ensureN8n, installPackageIntoN8n, startN8n, connectApi } from './scripts/n8n/index.mjs';
//   const install = await ensureN8n();                                        // cached n8n 2.40.7 + Node 24
//   await installPackageIntoN8n({ userFolder, packageDir });                   // as a real community package
//   const n8n = await startN8n({ install, userFolder, databaseUrl, mode: 'queue', workers: 2 });
//   const api = await connectApi({ baseUrl: n8n.baseUrl, ...n8n.owner });
//   …; await n8n.stop();
export { ensureN8n, cacheRoot, DEFAULT_N8N_VERSION, DEFAULT_NODE_VERSION } from './install.mjs';
export { installPackageIntoN8n, uninstallPackageFromN8n } from './package-install.mjs';
export { startN8n, stopAllN8n, prepareDatabase } from './process.mjs';
export { connectApi, bindCredentials } from './api.mjs';
export { freePorts } from './util.mjs';
export { upsertCredential, importTemplateOnce, findWorkflowsByName, updateWorkflowSettings, readTemplates } from './provision.mjs';
export { startLocalStack, jobsCredentialData, JOBS_CREDENTIAL, HEADER_CREDENTIAL, DEFAULT_ACTIVE } from './local-stack.mjs';
