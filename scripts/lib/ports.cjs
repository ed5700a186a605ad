'use strict';
// TCP ports on 127.0.0.1: free ones to start servers on, and a clear error when a chosen one is taken. CommonJS, so
// that the scripts (ESM) and the jest tests (TypeScript compiled to CommonJS) share it.
const net = require('node:net');

/** Listens on `port` (0: any free one) of 127.0.0.1; resolves with the listening server. */
function listen(port) {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve(server));
	});
}

const close = (server) => new Promise((resolve) => server.close(() => resolve()));

/**
 * Finds `count` distinct free TCP ports on 127.0.0.1 (all held open while choosing, so they differ).
 * @param {number} [count]
 * @returns {Promise<number[]>}
 */
async function freePorts(count = 1) {
	const servers = [];
	try {
		for (let i = 0; i < count; i++) servers.push(await listen(0));
		return servers.map((s) => s.address().port);
	} finally {
		await Promise.all(servers.map(close));
	}
}

/** One free TCP port on 127.0.0.1. */
async function freePort() {
	const [port] = await freePorts(1);
	return port;
}

/**
 * Throws when something already listens on 127.0.0.1:port, with `hint` saying what to do about it.
 * @param {number} port
 * @param {string} hint  e.g. "set N8N_PORT to another port"
 */
async function assertPortFree(port, hint) {
	const server = await listen(port).catch((err) => {
		throw err.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is already in use: ${hint}`) : err;
	});
	await close(server);
}

module.exports = { freePorts, freePort, assertPortFree };
