// realtime.js ENVFILE HOST PORT - the Node.js realtime server of
// seeds/000 (socket.io on VPS2:3002, behind VPS1's nginx) as far as the
// migration can see it.  Reads REDIS_HOST/REDIS_PORT/REDIS_PASSWORD from
// its .env.  GET /health: 200 when Redis answers PING after AUTH, else
// 500.  A WebSocket upgrade (RFC 6455 handshake, done here: node has no
// WebSocket server built in) is answered 101 and sent one text message,
// {"event":"connected","redis":"PONG"} (or "down").
'use strict';
const fs = require('fs'), http = require('http'), net = require('net'),
	crypto = require('crypto');
const [envfile, host, port] = process.argv.slice(2);
const E = {};
for (const line of fs.readFileSync(envfile, 'utf8').split('\n')) {
	const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
	if (m) E[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
}
function resp(args) {
	return '*' + args.length + '\r\n' + args.map(a =>
		'$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join('');
}
function redisPing(cb) {
	const s = net.connect(+(E.REDIS_PORT || 6379), E.REDIS_HOST || '127.0.0.1');
	let data = '', done = false;
	const end = r => { if (!done) { done = true; s.destroy(); cb(r); } };
	s.setTimeout(2000, () => end('down'));
	s.on('error', () => end('down'));
	s.on('connect', () => s.write(resp(['AUTH', E.REDIS_PASSWORD || '']) + resp(['PING'])));
	s.on('data', d => {
		data += d;
		const lines = data.split('\r\n');
		if (lines.length < 3) return;
		end(lines[0] === '+OK' && lines[1] === '+PONG' ? 'PONG' : 'down');
	});
}
const srv = http.createServer((req, res) => {
	if (req.url !== '/health') { res.writeHead(404); return res.end(); }
	redisPing(r => {
		res.writeHead(r === 'PONG' ? 200 : 500, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify({ status: r === 'PONG' ? 'ok' : 'error', redis: r }));
	});
});
srv.on('upgrade', (req, sock) => {
	const key = req.headers['sec-websocket-key'];
	if (!key || (req.headers.upgrade || '').toLowerCase() !== 'websocket') {
		return sock.end('HTTP/1.1 400 Bad Request\r\n\r\n');
	}
	const accept = crypto.createHash('sha1')
		.update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
	sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
		'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n');
	sock.on('error', () => {});
	sock.on('data', () => {});	// client frames (its close) are not read
	redisPing(r => {
		const msg = Buffer.from(JSON.stringify({ event: 'connected', redis: r }));
		sock.write(Buffer.concat([Buffer.from([0x81, msg.length]), msg]));
	});
});
srv.listen(+port, host);
