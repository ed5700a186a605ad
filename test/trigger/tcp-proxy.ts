// A TCP proxy in front of the test database that can go down (every connection cut, new ones refused) and
// come back on the same port: a Postgres restart or outage, as seen by the trigger, without touching the
// server the other test files share.
import net from 'node:net';

export interface DatabaseProxy {
	/** The database URL through the proxy. */
	url: string;
	down(): Promise<void>;
	up(): Promise<void>;
}

export async function startProxy(databaseUrl: string): Promise<DatabaseProxy> {
	const target = new URL(databaseUrl);
	const sockets = new Set<net.Socket>();
	let server: net.Server | undefined;
	let port = 0;

	const up = () =>
		new Promise<void>((resolve, reject) => {
			const s = net.createServer((client) => {
				const upstream = net.connect(Number(target.port || 5432), target.hostname);
				sockets.add(client);
				sockets.add(upstream);
				const cut = () => {
					client.destroy();
					upstream.destroy();
					sockets.delete(client);
					sockets.delete(upstream);
				};
				client.on('error', cut).on('close', cut);
				upstream.on('error', cut).on('close', cut);
				client.pipe(upstream).pipe(client);
			});
			s.once('error', reject);
			s.listen(port, '127.0.0.1', () => {
				port = (s.address() as net.AddressInfo).port;
				server = s;
				resolve();
			});
		});

	const down = async () => {
		const s = server;
		server = undefined;
		for (const socket of sockets) socket.destroy();
		sockets.clear();
		if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
	};

	await up();
	const url = new URL(databaseUrl);
	url.hostname = '127.0.0.1';
	url.port = String(port);
	return { url: url.toString(), up, down };
}
