// svc.js NAME - the other six services of the seed's ecosystem (worker,
// batch processor, backups, monitors, Telegram bot): they start, say so
// and stay online.
'use strict';
const { db, log } = require('./common');
const name = process.argv[2] || 'service';
log(name, `started (database ${db.name})`);
setInterval(() => {}, 60000);
