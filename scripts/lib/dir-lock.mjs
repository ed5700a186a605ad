// A lock between processes on one machine: a directory holding its owner's pid. A lock whose owner died is
// taken over, so a killed process never blocks the next one.
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processes.mjs';

const ownerOf = async (lock) => Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));

/**
 * Takes the lock, waiting while a live process holds it. Resolves true once this process holds it, or false
 * when `done()` turns true while waiting (the holder did the work already).
 * @param {string} lock  the lock directory
 * @param {{ done?: () => Promise<boolean>, timeoutMs: number, onWait?: (pid: number) => void }} options
 *   onWait: called once, with the holder's pid, when the lock is taken
 */
export async function acquireDirLock(lock, { done = async () => false, timeoutMs, onWait }) {
	const deadline = Date.now() + timeoutMs;
	let announced = false;
	await mkdir(dirname(lock), { recursive: true }); // e.g. bench/.cache on a fresh clone
	for (;;) {
		try {
			await mkdir(lock);
			await writeFile(join(lock, 'pid'), String(process.pid));
			return true;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
		}
		const pid = await ownerOf(lock);
		if (pid && !isAlive(pid)) {
			await rm(lock, { recursive: true, force: true });
			continue;
		}
		if (!pid) {
			// lock dir created but pid not yet written (or the owner crashed in between): give it a moment
			await sleep(2000);
			if (!(await ownerOf(lock))) await rm(lock, { recursive: true, force: true });
			continue;
		}
		if (await done()) return false;
		if (!announced) {
			onWait?.(pid);
			announced = true;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lock} held by pid ${pid}`);
		await sleep(2000);
	}
}

/** Releases the lock if this process holds it. */
export async function releaseDirLock(lock) {
	if ((await ownerOf(lock)) !== process.pid) return;
	await rm(join(lock, 'pid'), { force: true });
	await rmdir(lock).catch(() => undefined);
}
