// What an n8n user folder keeps across starts: the key n8n encrypts credentials with, and the instance owner's
// login (n8n's owner is managed through the environment, so the harness knows the password).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireFromN8n } from './install.mjs';

/** The encryption key: reused from `<userFolder>/.n8n/config`, else generated there. */
export async function ensureEncryptionKey(userFolder) {
	const configFile = join(userFolder, '.n8n', 'config');
	if (existsSync(configFile)) {
		const config = JSON.parse(await readFile(configFile, 'utf8'));
		if (config.encryptionKey) return config.encryptionKey;
	}
	const key = randomBytes(24).toString('base64url');
	await mkdir(dirname(configFile), { recursive: true });
	await writeFile(configFile, JSON.stringify({ encryptionKey: key }, null, '\t'), { mode: 0o600 });
	await chmod(configFile, 0o600);
	return key;
}

/**
 * The owner: the given fields, else the ones stored in `<userFolder>/.harness/owner.json` (created once with
 * owner@example.com and a random password). The password hash is computed with n8n's own bcryptjs.
 * @param {string} userFolder
 * @param {import('./install.mjs').N8nInstall} install
 * @param {{ email?: string, password?: string, firstName?: string, lastName?: string }} [given]
 */
export async function ensureOwner(userFolder, install, given = {}) {
	const file = join(userFolder, '.harness', 'owner.json');
	let stored;
	if (existsSync(file)) stored = JSON.parse(await readFile(file, 'utf8'));
	const email = given.email ?? stored?.email ?? 'owner@example.com';
	const password = given.password ?? stored?.password ?? `Aa1-${randomBytes(12).toString('base64url')}`;
	const firstName = given.firstName ?? 'Instance';
	const lastName = given.lastName ?? 'Owner';
	let passwordHash = stored?.password === password && stored?.passwordHash ? stored.passwordHash : undefined;
	if (!passwordHash) passwordHash = requireFromN8n(install, 'bcryptjs').hashSync(password, 10);
	if (stored?.email !== email || stored?.password !== password || stored?.passwordHash !== passwordHash) {
		await mkdir(dirname(file), { recursive: true });
		await writeFile(file, JSON.stringify({ email, password, passwordHash }, null, 2), { mode: 0o600 });
	}
	return { email, password, passwordHash, firstName, lastName };
}
