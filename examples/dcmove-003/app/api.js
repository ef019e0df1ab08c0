// api.js - the stand-in for ai-admin-api (Express, port 3000): the
// health endpoints the seed's smoke tests call, and a test message that
// goes through the database (the seed's "send test message" flow).
'use strict';
const http = require('http');
const { env, db, query, log, critical } = require('./common');

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '0.0.0.0';

function answer(res, code, obj) {
	const body = JSON.stringify(obj);
	res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

http.createServer((req, res) => {
	const t0 = process.hrtime.bigint();
	const ms = () => (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1) + 'ms';
	if (req.url === '/health')
		return answer(res, 200, { status: 'ok', timestamp: new Date().toISOString() });
	if (req.url === '/api/health/database')
		return query('SELECT count(*) FROM whatsapp_auth', (err) => {
			if (err) {
				critical('ai-admin-api', `PostgreSQL (${db.name}) query failed: ${err.message}`);
				return answer(res, 503, { status: 'error', database: db.name });
			}
			answer(res, 200, { status: 'ok', database: db.name, latency: ms() });
		});
	if (req.url === '/api/test-message' && req.method === 'POST') {
		// "From test number 89686484488": stored, then answered; the
		// booking it asks for (4.3 Test 5, "tomorrow at 14:00") recorded.
		return query("INSERT INTO messages (phone, body, created_at) VALUES ('89686484488', 'test after migration', now()) " +
			"RETURNING id || ' ' || round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000, 3); " +
			"INSERT INTO bookings SELECT coalesce(max(id), 0) + 1, (SELECT min(id) FROM clients), 'маникюр', " +
			"date_trunc('day', now()) + interval '1 day 14 hours', 1500, 'confirmed' FROM bookings ON CONFLICT (id) DO NOTHING",
			(err, out) => {
				// The query's own time, as PostgreSQL measured it ("Query
				// executed in 0.8ms"); the rest is starting psql.
				const [id, qms] = (out || '').split(' ');
				if (err) {
					critical('ai-admin-worker-v2', `test message failed: ${err.message}`);
					return answer(res, 503, { status: 'error' });
				}
				log('ai-admin-worker-v2', `Processing message ${id}: Query executed in ${qms}ms; processed in ${ms()}`);
				answer(res, 200, { status: 'ok', message: Number(id) });
			});
	}
	answer(res, 404, { status: 'not found' });
}).listen(port, host, () => log('ai-admin-api', `API server listening on port ${port} (database ${db.name}, ${env.NODE_ENV})`));
