// common.js - what the stand-in services share: the app's .env (read the
// way dotenv reads it) and a query on whichever database it names.
// USE_LEGACY_SUPABASE=true: the "Supabase" PostgreSQL (SUPABASE_DB_*),
// false: the Timeweb PostgreSQL (POSTGRES_*).  Queries go through psql:
// the stand-ins need no npm module.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');

const appDir = process.env.APP_DIR || process.cwd();

function readEnv() {
	const env = {};
	for (const line of fs.readFileSync(path.join(appDir, '.env'), 'utf8').split('\n')) {
		const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
		if (m) env[m[1]] = m[2];
	}
	return env;
}
const env = readEnv();
const legacy = env.USE_LEGACY_SUPABASE !== 'false';
const db = legacy ? {
	name: 'supabase', host: env.SUPABASE_DB_HOST, port: env.SUPABASE_DB_PORT || '5432',
	user: env.SUPABASE_DB_USER, database: env.SUPABASE_DB_NAME, password: env.SUPABASE_DB_PASSWORD,
} : {
	name: 'timeweb', host: env.POSTGRES_HOST, port: env.POSTGRES_PORT || '5432',
	user: env.POSTGRES_USER, database: env.POSTGRES_DATABASE, password: env.POSTGRES_PASSWORD,
};

// query(sql, cb(err, text)): one psql, unaligned, tuples only.
function query(sql, cb) {
	execFile('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', db.host, '-p', db.port,
		'-U', db.user, '-d', db.database, '-c', sql],
		{ env: { PATH: process.env.PATH, PGPASSWORD: db.password, PGCONNECT_TIMEOUT: '3' }, timeout: 5000 },
		(err, out, errout) => cb(err ? new Error((errout || String(err)).trim()) : null, (out || '').trim()));
}

function log(name, msg) { console.log(`${new Date().toISOString()} ${name}: ${msg}`); }
function critical(name, msg) { console.error(`${new Date().toISOString()} ${name}: CRITICAL ${msg}`); }

module.exports = { appDir, env, db, query, log, critical };
