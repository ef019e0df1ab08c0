/*
 * redis.c - kind `redis`, over hiredis: the seeds' "redis-cli ping should
 * fail without password", INFO field assertions and "Redis persists".
 *
 *   { kind: redis, target: cache, require_auth: true,
 *     info: { maxmemory_policy: volatile-ttl, role: master,
 *             connected_clients: "< 1000" },
 *     persistence: aof }
 *
 * The password comes from the URL (redis://:PW@host or ?password_env=N)
 * or from the check's own `password_env`.  With require_auth the check
 * first sends PING without credentials and passes only if the server
 * refuses it with NOAUTH; then it authenticates and expects PONG.
 * persistence: rdb needs save points configured (CONFIG GET save) and the
 * last background save to have succeeded; aof needs aof_enabled:1 and the
 * last AOF write to have succeeded.  Every command has the check's
 * timeout (redisSetTimeout), so a stalled server cannot hang the check.
 * `hit_rate: ">= 80%"` judges keyspace_hits / (hits + misses) from INFO,
 * counted since the server started or CONFIG RESETSTAT; with no lookup
 * counted yet there is no rate, and the check fails saying so rather
 * than pass on nothing.
 * `from: NETNS` talks to the server from inside that network namespace
 * (the seeds' "redis-cli -h VPS2 ping should fail" from another host).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "../check.h"
#include "../lib/error.h"
#include "../lib/lazy_hiredis.h"
#include "../lib/net.h"
#include "../lib/redact.h"
#include "../lib/xmalloc.h"

#define INFO_MAX	(256 * 1024)	/* INFO is a few KiB; cap it anyway */
/*
 * Every reply this check asks for (PONG, OK, INFO, CONFIG GET save) is a
 * few KiB; hiredis itself buffers a bulk string whole, however long the
 * server says it is (a fake PING answer of 300 MB took 1.5 GB).  Reading
 * stops at this many bytes.
 */
#define REPLY_MAX	(1024 * 1024)

enum persist { P_NONE, P_RDB, P_AOF };

struct info_rule {
	char		*field;
	struct cmp	 cmp;
};

struct redis_conf {
	const struct url *target;
	char		*password;	/* from password_env, or NULL */
	bool		 require_auth;
	struct info_rule *info;
	size_t		 ninfo;
	enum persist	 persistence;
	bool		 has_hit_rate;
	struct cmp	 hit_rate;	/* a share: ">= 80%" */
	char		*from;		/* network namespace, or NULL */
};

static const char *const keys[] = { "target", "password_env",
	"require_auth", "info", "persistence", "hit_rate", "from", NULL };

static int
redis_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct redis_conf *k = xcalloc(1, sizeof(*k));
	yaml_node_t *in = pn_get(cx, map, "info");
	yaml_node_t *pe = pn_get(cx, map, "password_env");
	yaml_node_t *ps = pn_get(cx, map, "persistence");
	size_t cap = 0;
	int rc = 0;

	c->priv = k;
	k->target = pn_target(cx, map, "target", true);
	if (k->target == NULL)
		rc = -1;
	else if (strcmp(k->target->scheme, "rediss") == 0) {
		pn_error(cx, pn_get(cx, map, "target"), "rediss:// (Redis over "
		    "TLS) is not supported by the redis check; check the "
		    "certificate with kind: tls");
		rc = -1;
	} else if (strcmp(k->target->scheme, "redis") != 0) {
		pn_error(cx, pn_get(cx, map, "target"), "check '%s': '%s' is not "
		    "a redis:// URL", c->id, k->target->safe);
		rc = -1;
	}
	char *env = pn_str(cx, pe, "password_env");
	/* Under lint and status the variable may be unset: not known yet. */
	bool pw_later = false;
	if (env) {
		const char *v;
		if (pn_env(cx, pe, "password_env", env, &v) != 0) {
			rc = -1;
		} else if (v == NULL) {
			pw_later = true;
		} else {
			k->password = xstrdup(v);
			redact_add(v);
		}
		free(env);
	} else if (pe) {
		rc = -1;
	}
	rc |= pn_bool(cx, pn_get(cx, map, "require_auth"), "require_auth",
	    &k->require_auth);
	if (in && !pn_is_map(in)) {
		pn_error(cx, in, "'info' must be a map of INFO field: expected "
		    "value, like {role: master, connected_clients: \"< 1000\"}");
		rc = -1;
	} else if (in) {
		for (size_t i = 0; i < pn_map_len(in); i++) {
			yaml_node_t *v;
			const char *f = pn_map_key(cx, in, i, &v);
			if (f == NULL) {
				rc = -1;
				continue;
			}
			struct info_rule ir = { .field = xstrdup(f) };
			if (pn_cmp(cx, v, f, &ir.cmp) != 0)
				rc = -1;
			ARR_PUSH(k->info, k->ninfo, cap, ir);
		}
	}
	if (k->require_auth && rc == 0 && k->password == NULL &&
	    k->target->password == NULL && !pw_later &&
	    url_param(k->target, "password_env") == NULL) {
		pn_error(cx, pn_get(cx, map, "require_auth"), "'require_auth' "
		    "needs the password to prove the authenticated PING: give "
		    "'password_env' or ?password_env= in the URL");
		rc = -1;
	}
	char *p = pn_str(cx, ps, "persistence");
	if (p && strcmp(p, "rdb") == 0)
		k->persistence = P_RDB;
	else if (p && strcmp(p, "aof") == 0)
		k->persistence = P_AOF;
	else if (p) {
		pn_error(cx, ps, "'persistence' must be rdb or aof (got '%s')", p);
		rc = -1;
	} else if (ps) {
		rc = -1;
	}
	free(p);
	yaml_node_t *hr = pn_get(cx, map, "hit_rate");
	if (hr) {
		k->has_hit_rate = true;
		if (pn_cmp(cx, hr, "hit_rate", &k->hit_rate) != 0) {
			rc = -1;
		} else if (!k->hit_rate.numeric ||
		    strchr(k->hit_rate.text, '%') == NULL) {
			pn_error(cx, hr, "'hit_rate' compares a share, like "
			    "\">= 80%%\" (got '%s')", k->hit_rate.text);
			rc = -1;
		}
	}
	yaml_node_t *fr = pn_get(cx, map, "from");
	if (fr && (k->from = pn_str(cx, fr, "from")) == NULL)
		rc = -1;
	else if (k->from && !net_netns_name_ok(k->from)) {
		pn_error(cx, fr, "'from' must name a network namespace as `ip "
		    "netns` lists it (got '%s')", k->from);
		rc = -1;
	}
	return rc;
}

/* A reply's text for messages: status, error or string. */
const char *
redis_reply_text(const redisReply *rp)
{
	if (rp == NULL)
		return "(no reply)";
	if (rp->type == REDIS_REPLY_STATUS || rp->type == REDIS_REPLY_ERROR ||
	    rp->type == REDIS_REPLY_STRING)
		return rp->str;
	if (rp->type == REDIS_REPLY_INTEGER)
		return "(an integer)";
	if (rp->type == REDIS_REPLY_NIL)
		return "(nil)";
	if (rp->type == REDIS_REPLY_ARRAY)
		return "(an array)";
	return "(unexpected reply type)";
}

/*
 * The first sentence of a server message, at most 100 bytes: protected
 * mode's DENIED reply is a whole page.  Uses a static buffer per thread.
 */
static const char *
brief(const char *s)
{
	static __thread char b[128];
	/* Redacted before the cut: a cut secret is no longer recognised. */
	char *r = redact(s);
	size_t n = strcspn(r, ".\r\n");

	if (n > 100)
		n = 100;
	snprintf(b, sizeof(b), "%.*s%s", (int)n, r, r[n] && r[n] != '.' ?
	    "..." : "");
	free(r);
	return b;
}

static redisReply *
io_error(redisContext *rc, const char *where, char **errp)
{
	seterr(errp, "redis %s: %s", where, rc->err == REDIS_ERR_IO &&
	    (rc->errstr[0] == '\0' || strstr(rc->errstr, "temporarily")) ?
	    "timed out waiting for a reply" : rc->errstr);
	return NULL;
}

/*
 * Run a command; NULL with a message in *errp on I/O errors or when the
 * reply grows past REPLY_MAX bytes.  redisCommand's own loop reads
 * without a limit, so this one feeds hiredis's parser 16 KiB at a time
 * and counts.  Every hiredis command of cutover goes through here (the
 * latency kind's too).
 */
redisReply *
redis_cmd(redisContext *rc, const char *where, char **errp, const char *fmt, ...)
{
	va_list ap;
	void *rp = NULL;
	int done = 0, r;
	size_t got = 0;

	va_start(ap, fmt);
	r = redisvAppendCommand(rc, fmt, ap);
	va_end(ap);
	if (r != REDIS_OK)
		return io_error(rc, where, errp);
	while (!done)
		if (redisBufferWrite(rc, &done) != REDIS_OK)
			return io_error(rc, where, errp);
	for (;;) {
		if (redisGetReplyFromReader(rc, &rp) != REDIS_OK)
			return io_error(rc, where, errp);
		if (rp != NULL)
			return rp;
		if (got > REPLY_MAX) {
			seterr(errp, "redis %s: reply longer than %d KiB: not "
			    "read further (truncated)", where, REPLY_MAX / 1024);
			return NULL;
		}
		size_t before = rc->reader->len;
		if (redisBufferRead(rc) != REDIS_OK)
			return io_error(rc, where, errp);
		got += rc->reader->len - before;
	}
}

/* "AUTH [user] pw" */
redisReply *
redis_auth(redisContext *rc, const char *where, char **errp, const char *user,
    const char *pw)
{
	if (user)
		return redis_cmd(rc, where, errp, "AUTH %s %s", user, pw);
	return redis_cmd(rc, where, errp, "AUTH %s", pw);
}

/* Only +OK means authenticated: :0 or a string does not. */
bool
redis_is_ok(const redisReply *rp)
{
	return rp->type == REDIS_REPLY_STATUS && strcmp(rp->str, "OK") == 0;
}

static char *info_field(const char *info, const char *field);

/* An INFO counter: 0 and *v, or -1 when absent or not a number. */
static int
info_count(const char *info, const char *field, unsigned long long *v)
{
	char *s = info_field(info, field), *end = NULL;
	int rc = -1;

	if (s && *s >= '0' && *s <= '9') {
		errno = 0;
		*v = strtoull(s, &end, 10);
		rc = errno == 0 && *end == '\0' ? 0 : -1;
	}
	free(s);
	return rc;
}

/* The value of field in INFO text, newly allocated, or NULL. */
static char *
info_field(const char *info, const char *field)
{
	size_t fl = strlen(field);

	for (const char *p = info; *p; ) {
		size_t len = strcspn(p, "\r\n");
		if (len > fl && strncmp(p, field, fl) == 0 && p[fl] == ':')
			return xstrndup(p + fl + 1, len - fl - 1);
		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	return NULL;
}

static void
redis_probe(const struct check *c, struct result *r)
{
	const struct redis_conf *k = c->priv;
	const struct url *u = k->target;
	const char *pw = k->password ? k->password : u->password;
	struct timeval tv = { (time_t)(c->timeout_us / 1000000),
	    (suseconds_t)(c->timeout_us % 1000000) };
	struct buf detail = BUF_INIT, fails = BUF_INIT, info = BUF_INIT;
	redisReply *rp = NULL;
	char *e = NULL;
	const char *where = u->safe;
	int port = u->port ? u->port : 6379;
	bool no_pw_on_server = false;

	buf_init(&info, INFO_MAX);
	result_threshold(r, "%s", k->require_auth ? "NOAUTH without password, "
	    "PONG with it" : "PONG");
	redisContext *rc = redisConnectWithTimeout(u->host, port, tv);
	if (rc == NULL || rc->err) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "connect to redis %s:%d: %s", u->host, port,
		    rc ? (strstr(rc->errstr, "timed out") ||
		    strstr(rc->errstr, "temporarily") ? "timed out" :
		    rc->errstr) : "out of memory");
		goto out;
	}
	redisSetTimeout(rc, tv);

	if (k->require_auth) {
		if ((rp = redis_cmd(rc, where, &e, "PING")) == NULL)
			goto ioerr;
		if (rp->type == REDIS_REPLY_ERROR &&
		    strncmp(rp->str, "NOAUTH", 6) == 0) {
			buf_addf(&detail, "PING without password: refused (%s)\n",
			    rp->str);
		} else if (rp->type == REDIS_REPLY_ERROR) {
			/*
			 * DENIED is protected mode: no password is set and
			 * only loopback clients are served.  Not open, but
			 * not the password the plan relies on either.
			 */
			result_observed(r, "%.*s", (int)strcspn(rp->str, " "),
			    rp->str);
			result_set(r, ST_FAIL, "redis %s refused PING without a "
			    "password, but not with NOAUTH (%s): %s", where,
			    brief(rp->str), strncmp(rp->str, "DENIED", 6) == 0 ?
			    "no password is set (protected mode)" :
			    "authentication is not what protects it");
			goto out;
		} else {
			result_observed(r, "open");
			result_set(r, ST_FAIL, "redis %s answered PING without a "
			    "password (%s): anyone who reaches the port can use "
			    "it", where, brief(redis_reply_text(rp)));
			goto out;
		}
		freeReplyObject(rp);
		rp = NULL;
		if (pw == NULL) {
			result_observed(r, "no password given");
			result_set(r, ST_FAIL, "require_auth: redis %s refuses "
			    "unauthenticated commands, but the plan gives no "
			    "password to prove the authenticated PING", where);
			goto out;
		}
		/*
		 * A server that says OK to any password protects nothing:
		 * a wrong one, random so that it cannot be the real one,
		 * must be refused.
		 */
		unsigned char rnd[16];
		char wrong[40];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			result_set(r, ST_FAIL, "cannot draw a random password");
			goto out;
		}
		strcpy(wrong, "cutover-wrong-");
		for (size_t i = 0; i < 8; i++)
			snprintf(wrong + 14 + 2 * i, 3, "%02x", rnd[i]);
		if ((rp = redis_auth(rc, where, &e, u->user, wrong)) == NULL)
			goto ioerr;
		if (rp->type != REDIS_REPLY_ERROR) {
			result_observed(r, "wrong password accepted");
			result_set(r, ST_FAIL, "redis %s accepted a wrong password "
			    "(AUTH answered '%s'): the password protects nothing",
			    where, brief(redis_reply_text(rp)));
			goto out;
		}
		buf_addf(&detail, "AUTH with a wrong password: refused (%s)\n",
		    brief(rp->str));
		freeReplyObject(rp);
		rp = NULL;
	}
	if (pw) {
		if ((rp = redis_auth(rc, where, &e, u->user, pw)) == NULL)
			goto ioerr;
		if (rp->type == REDIS_REPLY_ERROR) {
			/* A password the server does not need: a warning. */
			if (strstr(rp->str, "without any password configured"))
				no_pw_on_server = true;
			else {
				result_observed(r, "auth failed");
				result_set(r, ST_FAIL, "redis %s refused the password: "
				    "%s", where, brief(rp->str));
				goto out;
			}
		} else if (!redis_is_ok(rp)) {
			/* Only +OK means authenticated; :0 or a string does not. */
			result_observed(r, "auth failed");
			result_set(r, ST_FAIL, "redis %s answered AUTH with '%s', "
			    "not OK", where, brief(redis_reply_text(rp)));
			goto out;
		}
		freeReplyObject(rp);
		rp = NULL;
	}
	if (u->path && *u->path && strcmp(u->path, "0") != 0) {
		if ((rp = redis_cmd(rc, where, &e, "SELECT %s", u->path)) == NULL)
			goto ioerr;
		if (rp->type == REDIS_REPLY_ERROR) {
			result_set(r, ST_FAIL, "redis %s: SELECT %s: %s", where,
			    u->path, rp->str);
			goto out;
		}
		freeReplyObject(rp);
		rp = NULL;
	}
	int64_t t0 = now_mono_us();
	if ((rp = redis_cmd(rc, where, &e, "PING")) == NULL)
		goto ioerr;
	int64_t rtt = now_mono_us() - t0;
	if (rp->type != REDIS_REPLY_STATUS || strcmp(rp->str, "PONG") != 0) {
		/* The error's code ("NOAUTH", "LOADING") is the observation. */
		const char *t = redis_reply_text(rp);
		result_observed(r, "%.*s", (int)strcspn(t, " "), t);
		result_set(r, ST_FAIL, "redis %s answered PING with '%s'%s", where,
		    brief(t), pw ? "" : " (no password given)");
		goto out;
	}
	freeReplyObject(rp);
	rp = NULL;
	char *d = fmt_duration(rtt);
	buf_addf(&detail, "PING%s: PONG in %s\n", pw ? " after AUTH" : "", d);
	free(d);
	r->has_value = true;
	r->value = rtt / 1e6;

	if (k->ninfo || k->persistence != P_NONE || k->has_hit_rate) {
		if ((rp = redis_cmd(rc, where, &e, "INFO all")) == NULL)
			goto ioerr;
		if (rp->type != REDIS_REPLY_STRING) {
			result_set(r, ST_FAIL, "redis %s: INFO: %s", where,
			    redis_reply_text(rp));
			goto out;
		}
		buf_add(&info, rp->str, rp->len);
		freeReplyObject(rp);
		rp = NULL;
	}
	for (size_t i = 0; i < k->ninfo; i++) {
		const struct info_rule *ir = &k->info[i];
		char *v = info_field(info.s, ir->field);
		bool ok = v && cmp_eval(&ir->cmp, v);
		buf_addf(&detail, "%s: %s (want %s %s)\n", ir->field,
		    v ? v : "(absent)", cmp_opstr(ir->cmp.op), ir->cmp.text);
		if (!ok)
			buf_addf(&fails, "%s%s is %s, expected %s %s",
			    fails.len ? "; " : "", ir->field, v ? v : "absent",
			    cmp_opstr(ir->cmp.op), ir->cmp.text);
		free(v);
	}
	if (k->has_hit_rate) {
		unsigned long long hits, misses;
		const char *op = cmp_opstr(k->hit_rate.op);
		if (info_count(info.s, "keyspace_hits", &hits) != 0 ||
		    info_count(info.s, "keyspace_misses", &misses) != 0) {
			buf_addf(&detail, "hit rate: no keyspace_hits/misses in "
			    "INFO (want %s %s)\n", op, k->hit_rate.text);
			buf_addf(&fails, "%sINFO has no keyspace_hits and "
			    "keyspace_misses: the hit rate cannot be judged",
			    fails.len ? "; " : "");
		} else if (hits + misses == 0) {
			buf_addf(&detail, "hit rate: no data, 0 hits and 0 "
			    "misses (want %s %s)\n", op, k->hit_rate.text);
			buf_addf(&fails, "%shit rate: no data yet (0 keyspace hits "
			    "and 0 misses since start or CONFIG RESETSTAT), "
			    "expected %s %s", fails.len ? "; " : "", op,
			    k->hit_rate.text);
		} else {
			double pct = 100.0 * (double)hits /
			    ((double)hits + (double)misses);
			buf_addf(&detail, "hit rate: %.1f%% (%llu hits, %llu "
			    "misses; want %s %s)\n", pct, hits, misses, op,
			    k->hit_rate.text);
			if (!cmp_eval_num(&k->hit_rate, pct))
				buf_addf(&fails, "%shit rate is %.1f%% (%llu hits, "
				    "%llu misses), expected %s %s",
				    fails.len ? "; " : "", pct, hits, misses, op,
				    k->hit_rate.text);
		}
	}
	if (k->persistence == P_AOF) {
		char *en = info_field(info.s, "aof_enabled");
		char *ws = info_field(info.s, "aof_last_write_status");
		buf_addf(&detail, "aof_enabled: %s, aof_last_write_status: %s\n",
		    en ? en : "?", ws ? ws : "?");
		if (en == NULL || strcmp(en, "1") != 0)
			buf_addf(&fails, "%sAOF is off (appendonly no): writes since "
			    "the last snapshot are lost on restart",
			    fails.len ? "; " : "");
		else if (ws == NULL || strcmp(ws, "ok") != 0)
			buf_addf(&fails, "%sthe last AOF write failed (%s)",
			    fails.len ? "; " : "", ws ? ws : "unknown");
		free(en);
		free(ws);
	} else if (k->persistence == P_RDB) {
		char *bs = info_field(info.s, "rdb_last_bgsave_status");
		if ((rp = redis_cmd(rc, where, &e, "CONFIG GET save")) == NULL) {
			free(bs);
			goto ioerr;
		}
		const char *save = NULL;
		if (rp->type == REDIS_REPLY_ARRAY && rp->elements == 2 &&
		    rp->element[1]->type == REDIS_REPLY_STRING)
			save = rp->element[1]->str;
		buf_addf(&detail, "save: \"%s\", rdb_last_bgsave_status: %s\n",
		    save ? save : "?", bs ? bs : "?");
		if (save == NULL)
			buf_addf(&fails, "%scannot read the save points (CONFIG GET "
			    "save: %s)", fails.len ? "; " : "", redis_reply_text(rp));
		else if (*save == '\0')
			buf_addf(&fails, "%sRDB snapshots are off (save \"\"): "
			    "nothing is persisted", fails.len ? "; " : "");
		else if (bs == NULL || strcmp(bs, "ok") != 0)
			buf_addf(&fails, "%sthe last RDB save failed (%s)",
			    fails.len ? "; " : "", bs ? bs : "unknown");
		free(bs);
		freeReplyObject(rp);
		rp = NULL;
	}
	if (detail.len && detail.s[detail.len - 1] == '\n')
		detail.s[--detail.len] = '\0';
	result_detail(r, "%s", detail.s);
	if (fails.len) {
		result_observed(r, "PONG");
		result_set(r, ST_FAIL, "redis %s: %s", where, fails.s);
	} else if (no_pw_on_server) {
		result_observed(r, "PONG (no password)");
		result_set(r, ST_WARN, "redis %s answers, but has no password "
		    "configured (the plan gives one)", where);
	} else {
		result_observed(r, "PONG");
		result_set(r, ST_PASS, "redis %s: %sPONG%s%s%s", where,
		    k->require_auth ? "NOAUTH without password, " : "",
		    k->ninfo ? ", INFO as expected" : "",
		    k->has_hit_rate ? ", hit rate as expected" : "",
		    k->persistence == P_AOF ? ", AOF on" :
		    k->persistence == P_RDB ? ", RDB snapshots on" : "");
	}
	goto out;
ioerr:
	result_observed(r, "error");
	result_set(r, ST_FAIL, "%s", e);
out:
	if (rp)
		freeReplyObject(rp);
	if (rc)
		redisFree(rc);
	free(e);
	buf_release(&detail);
	buf_release(&fails);
	buf_release(&info);
}

/* With `from`, the whole probe runs in that namespace. */
static void
redis_run(const struct check *c, struct result *r)
{
	check_probe_from(((const struct redis_conf *)c->priv)->from, redis_probe, c, r);
}

static void
redis_free(void *p)
{
	struct redis_conf *k = p;

	free(k->password);
	for (size_t i = 0; i < k->ninfo; i++) {
		free(k->info[i].field);
		cmp_free(&k->info[i].cmp);
	}
	free(k->info);
	cmp_free(&k->hit_rate);
	free(k->from);
	free(k);
}

const struct check_kind check_redis = {
	.name = "redis",
	.summary = "Redis PING; require_auth (NOAUTH), INFO fields, hit rate, "
	    "persistence",
	.keys = keys,
	.parse = redis_parse,
	.run = redis_run,
	.free = redis_free,
	.value = "seconds the PING took",
};
