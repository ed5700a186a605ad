// Other processes: is one alive, and noticing when the process that started this one is gone.

/** True while process `pid` exists (also when it belongs to another user). */
export function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

/**
 * Calls `onGone` once when `parentPid` is no longer this process's parent (it died, even by kill -9, and the
 * process was handed to another parent). Checks every second; the timer does not keep the process alive.
 */
export function watchParent(parentPid, onGone) {
	const timer = setInterval(() => {
		if (process.ppid === parentPid && isAlive(parentPid)) return;
		clearInterval(timer);
		onGone();
	}, 1000);
	timer.unref();
}

/** Sends `signal` to every process of group `pgid` (a child spawned with detached: true); false when none is left. */
export function signalGroup(pgid, signal) {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false;
	}
}
