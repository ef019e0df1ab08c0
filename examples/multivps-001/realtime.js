// realtime.js - a stand-in for the seed's realtime-service (WebSocket +
// matching, port 3000), enough for the plan's checks: GET /health, and
// a WebSocket that answers {"type":"ping"} with {"type":"pong"}, pings
// every client every HEARTBEAT_MS and drops one that stops answering
// (the seed's P0 "heartbeat/ping + onClose to mark drivers offline").
// Node's own modules only (RFC 6455 framing written out: text frames,
// ping/pong, close).  Reads HOST, PORT, INSTANCE from the environment
// (pm2's ecosystem.config.js sets them).
'use strict';
const http = require('http');
const crypto = require('crypto');
const host = process.env.HOST || '127.0.0.1';
const port = +(process.env.PORT || 3000);
const name = process.env.INSTANCE || 'node';
const beat = +(process.env.HEARTBEAT_MS || 10000);
const clients = new Set();

const srv = http.createServer((req, res) => {
	if (req.url === '/health') {
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify({ status: 'ok', instance: name, clients: clients.size }));
		return;
	}
	res.writeHead(404); res.end();
});

function frame(op, data) {
	const p = Buffer.from(data);
	let h;
	if (p.length < 126) h = Buffer.from([0x80 | op, p.length]);
	else { h = Buffer.alloc(4); h[0] = 0x80 | op; h[1] = 126; h.writeUInt16BE(p.length, 2); }
	return Buffer.concat([h, p]);
}

srv.on('upgrade', (req, sock) => {
	const key = req.headers['sec-websocket-key'];
	if (!key || (req.headers.upgrade || '').toLowerCase() !== 'websocket') { sock.destroy(); return; }
	const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
	sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
		'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
	const c = { sock, alive: true, buf: Buffer.alloc(0) };
	clients.add(c);
	const drop = () => { clients.delete(c); sock.destroy(); };   // onClose: the driver goes offline
	sock.on('close', drop); sock.on('error', drop);
	sock.on('data', (d) => {
		c.buf = Buffer.concat([c.buf, d]);
		while (c.buf.length >= 2) {
			const op = c.buf[0] & 15, masked = c.buf[1] & 128;
			let len = c.buf[1] & 127, off = 2;
			if (len === 126) { if (c.buf.length < 4) return; len = c.buf.readUInt16BE(2); off = 4; }
			else if (len === 127) { drop(); return; }
			const need = off + (masked ? 4 : 0) + len;
			if (c.buf.length < need) return;
			const mask = masked ? c.buf.subarray(off, off + 4) : null;
			const p = Buffer.from(c.buf.subarray(need - len, need));
			if (mask) for (let i = 0; i < p.length; i++) p[i] ^= mask[i & 3];
			c.buf = c.buf.subarray(need);
			if (op === 8) { sock.end(frame(8, p.subarray(0, 2))); clients.delete(c); return; }
			if (op === 9) sock.write(frame(10, p));
			else if (op === 10) c.alive = true;
			else if (op === 1) {
				let m = {};
				try { m = JSON.parse(p.toString()); } catch (e) { /* not JSON */ }
				if (m.type === 'ping') sock.write(frame(1, JSON.stringify({ type: 'pong', instance: name })));
			}
		}
	});
});

setInterval(() => {
	for (const c of clients) {
		if (!c.alive) { clients.delete(c); c.sock.destroy(); continue; }
		c.alive = false;
		c.sock.write(frame(9, ''));
	}
}, beat).unref();

srv.listen(port, host, () => console.log(name + ' listening on ' + host + ':' + port));
