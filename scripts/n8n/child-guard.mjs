// Loaded first (`node --import child-guard.mjs n8n ...`) into every n8n process the harness starts. If the
// harness dies without cleaning up (e.g. kill -9, a crashed test runner), n8n would otherwise keep running
// detached in its own process group: this makes it shut itself down.
import { watchParent } from '../lib/processes.mjs';

const parentPid = Number(process.env.N8N_HARNESS_PARENT_PID);
if (parentPid > 0 && process.pid !== parentPid) {
	watchParent(parentPid, () => {
		// graceful first; hard exit if n8n's shutdown hangs
		setTimeout(() => process.kill(process.pid, 'SIGKILL'), 20_000).unref();
		process.kill(process.pid, 'SIGTERM');
	});
	// children n8n forks (task runners) must not watch a different parent
	delete process.env.N8N_HARNESS_PARENT_PID;
}
