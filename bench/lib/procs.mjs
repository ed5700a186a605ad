// Worker processes of a cell (graphile-worker and pg-boss run 2 of them, as in the reference runs).
// Protocol over IPC: child sends {type:'ready'} once connected; parent sends {type:'go'} to start work and
// {type:'stop'} to finish; the child answers 'go' with {type:'done', ...} when it drained on its own and
// 'stop' with {type:'stopped', ...}. Children exit when the parent goes away.
import { fork } from 'node:child_process';

function waitFor(child, type) {
	return new Promise((resolve, reject) => {
		const onMessage = (msg) => {
			if (msg?.type === type) {
				cleanup();
				resolve(msg);
			} else if (msg?.type === 'error') {
				cleanup();
				reject(new Error(`worker process: ${msg.message}`));
			}
		};
		const onExit = (code, signal) => {
			cleanup();
			reject(new Error(`worker process exited (${signal ?? code}) while waiting for '${type}'`));
		};
		const cleanup = () => {
			child.off('message', onMessage);
			child.off('exit', onExit);
		};
		child.on('message', onMessage);
		child.on('exit', onExit);
	});
}

/** Forks `count` copies of script with arg (JSON) and waits until each says 'ready'. */
export async function startWorkers(script, count, arg) {
	const children = Array.from({ length: count }, (_, index) =>
		fork(script, [JSON.stringify({ ...arg, index })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
	);
	const ready = await Promise.all(children.map((c) => waitFor(c, 'ready')));
	return {
		/** The children's 'ready' messages (a child may report e.g. its URL there). */
		ready,
		/** Sends 'go' to all; resolves with their 'done' messages when expectDone, else at once. */
		async go({ expectDone }) {
			const done = expectDone ? children.map((c) => waitFor(c, 'done')) : [];
			for (const c of children) c.send({ type: 'go' });
			return Promise.all(done);
		},
		/** Sends 'stop' to all and resolves with their 'stopped' messages. */
		async stop() {
			const stopped = children.map((c) => waitFor(c, 'stopped'));
			for (const c of children) c.send({ type: 'stop' });
			return Promise.all(stopped);
		},
		kill() {
			for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
		},
	};
}

/** Child side: calls onGo/onStop on the parent's messages and reports their results (or errors). */
export function serveWorker({ onGo, onStop }) {
	process.on('disconnect', () => process.exit(0));
	process.on('message', async (msg) => {
		try {
			if (msg?.type === 'go') {
				const result = await onGo();
				if (result !== undefined) process.send({ type: 'done', ...result });
			} else if (msg?.type === 'stop') {
				const result = await onStop();
				process.send({ type: 'stopped', ...result }, () => process.exit(0));
			}
		} catch (error) {
			process.send({ type: 'error', message: error?.stack ?? String(error) }, () => process.exit(1));
		}
	});
	process.send({ type: 'ready' });
}
