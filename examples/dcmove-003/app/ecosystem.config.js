// ecosystem.config.js - the seed's eight PM2 services.  APP_DIR is the
// server's /opt/ai-admin; every service's errors go to one file, which
// the plan's `log` check reads ("pm2 logs --err").
'use strict';
const path = require('path');
const appDir = process.env.APP_DIR;
const here = __dirname;
const common = {
	cwd: appDir,
	env: { APP_DIR: appDir, HOST: process.env.HOST || '0.0.0.0' },
	error_file: path.join(appDir, 'logs', 'pm2-error.log'),
	out_file: path.join(appDir, 'logs', 'pm2-out.log'),
	autorestart: true,
	max_memory_restart: '2G',
};
const svc = (name) => ({ ...common, name, script: path.join(here, 'svc.sh'), args: name, interpreter: 'sh' });
module.exports = { apps: [
	{ ...common, name: 'ai-admin-api', script: path.join(here, 'api.js') },
	svc('ai-admin-worker-v2'),
	svc('ai-admin-batch-processor'),
	svc('whatsapp-backup-service'),
	svc('whatsapp-safe-monitor'),
	svc('ai-admin-booking-monitor'),
	svc('ai-admin-telegram-bot'),
	{ ...common, name: 'baileys-whatsapp-service', script: path.join(here, 'baileys.js') },
] };
