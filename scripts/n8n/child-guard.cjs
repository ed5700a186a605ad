// Preloaded (`node --require child-guard.cjs n8n ...`) into every n8n process the harness starts.
// If the harness process dies without cleaning up (e.g. kill -9, a crashed test runner), n8n would
// otherwise keep running detached in its own process group: this makes it shut itself down.
'use strict';
const parentPid = Number(process.env.N8N_HARNESS_PARENT_PID);
if (parentPid > 0 && process.pid !== parentPid) {
	const alive = () => {
		try {
			process.kill(parentPid, 0);
			return true;
		} catch (err) {
			return err.code === 'EPERM';
		}
	};
	const timer = setInterval(() => {
		if (alive() && process.ppid === parentPid) return;
		clearInterval(timer);
		// graceful first; hard exit if n8n's shutdown hangs
		setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20000).unref();
		process.kill(process.pid, 'SIGTERM');
	}, 1000);
	timer.unref();
	// children n8n forks (task runners) must not watch a different parent
	delete process.env.N8N_HARNESS_PARENT_PID;
}
