// baileys.js - the stand-in for baileys-whatsapp-service: loads the
// WhatsApp session (whatsapp_auth, whatsapp_keys) from the database the
// .env names; with it, "connection: open" and the session files kept in
// baileys_sessions/company_962302 (the seed's 162-200 files); without it,
// the QR code a lost session means.
'use strict';
const fs = require('fs');
const path = require('path');
const { appDir, db, query, log, critical } = require('./common');

const dir = path.join(appDir, 'baileys_sessions', 'company_962302');
query("SELECT (SELECT jsonb_typeof(creds) FROM whatsapp_auth WHERE company_id = '962302') || ' ' || " +
	"(SELECT count(*) FROM whatsapp_keys WHERE company_id = '962302')", (err, out) => {
	if (err || !out.startsWith('object ')) {
		critical('baileys-whatsapp-service', `no session in ${db.name}: QR code generated (session lost) ${err ? err.message : out}`);
		return;
	}
	const keys = Number(out.split(' ')[1]);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'creds.json'), '{}');
	// One file per pre-key, capped as the real service keeps them.
	for (let i = 0; i < Math.min(keys, 180); i++)
		fs.writeFileSync(path.join(dir, `pre-key-${i}.json`), '{}');
	log('baileys-whatsapp-service', `auth state loaded from ${db.name} (${keys} keys); connection: open`);
});
setInterval(() => {}, 60000);
