const timeweb = new Pool({
  host: 'localhost',
  port: 5433, // SSH tunnel
  database: 'default_db',
  user: 'gen_user',
  password: process.env.TIMEWEB_POSTGRES_PASSWORD
});
const token = req.headers['authorization'];
const apiKey = config.get('maps.apiKey');
