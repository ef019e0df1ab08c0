/*
 * latency.c - kind `latency`: N timed samples of a round trip, judged on a
 * percentile against {expect, warn, crit} (the seeds' "ping 10.132.0.11 -
 * expected <2ms, acceptable <5ms, critical >10ms").
 *
 *   { kind: latency, target: dst, samples: 20, interval: 100ms, p: 95,
 *     latency: { expect: 2ms, warn: 5ms, crit: 10ms } }
 *
 * What one sample times depends on the target's scheme:
 *   tcp://host:port (or address:)  a TCP connect (handshake), closed again;
 *   postgres:// mysql:// sqlite:   `SELECT 1` on an open connection;
 *   redis://                       PING on an open, authenticated connection;
 *   http:// https://               a GET on a kept-alive connection.
 * For the last three the connection is set up once before sampling (and
 * again after a failed sample), so connection setup is never in the
 * figures.  ICMP is not used: it needs privileges (raw sockets).
 *
 * A failed sample is "lost"; loss above `max_loss` (default 0%) fails.
 * Samples are paced start to start by `interval`, each within
 * `sample_timeout` (default 1s), all within the check's timeout.  The
 * worst case is lat_need_us(): connecting, (samples - 1) intervals and
 * the last sample's own timeout.  Without a `timeout:` the check sizes
 * its timeout to that plus a second; a written `timeout` below it is a
 * lint error: samples that never ran counted as lost, so `samples: 100`
 * with the defaults (9.9 s + 1 s in a 10 s budget) failed 2 runs in 3.
 * `from: NETNS` takes every sample from inside that network namespace
 * (net_in_netns).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>

#include "../check.h"
#include "../db.h"
#include "../lib/error.h"
#include "../lib/lazy_curl.h"
#include "../lib/lazy_hiredis.h"
#include "../lib/net.h"
#include "../lib/xmalloc.h"

enum lat_mode { M_TCP, M_SQL, M_REDIS, M_HTTP };

static const char *const mode_what[] = {
	[M_TCP] = "TCP connect",
	[M_SQL] = "SQL round trip (SELECT 1 on an open connection)",
	[M_REDIS] = "Redis PING on an open connection",
	[M_HTTP] = "HTTP GET on a kept-alive connection",
};

struct lat_conf {
	enum lat_mode	 mode;
	const struct url *target;	/* M_SQL, M_REDIS, M_HTTP */
	char		*host, *port;	/* M_TCP */
	char		*where;		/* for messages, password-free */
	long long	 samples;
	int64_t		 interval_us;
	int64_t		 sample_timeout_us;
	long long	 p;
	double		 max_loss;	/* percent */
	struct tiers	 latency;
	char		*from;
};

/* Connecting (SQL, Redis, HTTP) gets one sample timeout. */
static int64_t
lat_setup_us(const struct lat_conf *l)
{
	return l->mode == M_TCP ? 0 : l->sample_timeout_us;
}

static const char *const keys[] = { "target", "address", "samples",
	"interval", "sample_timeout", "p", "latency", "max_loss", "from",
	NULL };

static int
lat_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct lat_conf *l = xcalloc(1, sizeof(*l));
	yaml_node_t *an = pn_get(cx, map, "address");
	yaml_node_t *tn = pn_get(cx, map, "target");
	yaml_node_t *fr = pn_get(cx, map, "from");
	yaml_node_t *ml = pn_get(cx, map, "max_loss");
	char *e = NULL;
	int rc = 0;

	c->priv = l;
	l->samples = 10;
	l->interval_us = 100 * US_PER_MS;
	l->sample_timeout_us = US_PER_S;
	l->p = 50;
	if ((an == NULL) == (tn == NULL)) {
		pn_error(cx, map, "check '%s': give either 'target' (a URL or a "
		    "target name) or 'address' (host:port for TCP connects)",
		    c->id);
		rc = -1;
	} else if (an) {
		char *a = pn_str(cx, an, "address");
		if (a == NULL)
			rc = -1;
		else if (net_split_hostport(a, &l->host, &l->port, &e) != 0) {
			pn_error(cx, an, "'address': %s", e);
			free(e);
			e = NULL;
			rc = -1;
		}
		l->mode = M_TCP;
		l->where = a;
	} else if ((l->target = pn_target(cx, map, "target", true)) == NULL) {
		rc = -1;
	} else {
		const char *s = l->target->scheme;
		l->where = xstrdup(l->target->safe);
		if (strcmp(s, "tcp") == 0) {
			l->mode = M_TCP;
			l->host = xstrdup(l->target->host);
			l->port = xasprintf("%d", l->target->port);
		} else if (db_driver_for(s) != NULL) {
			l->mode = M_SQL;
		} else if (strcmp(s, "redis") == 0) {
			l->mode = M_REDIS;
		} else if (strcmp(s, "http") == 0 || strcmp(s, "https") == 0) {
			l->mode = M_HTTP;
		} else {
			pn_error(cx, tn, "check '%s': latency cannot sample '%s' "
			    "(expected tcp://, postgres://, mysql://, sqlite:, "
			    "redis://, http:// or https://)", c->id,
			    l->target->safe);
			rc = -1;
		}
	}
	rc |= pn_int(cx, pn_get(cx, map, "samples"), "samples", 1, 10000,
	    &l->samples);
	rc |= pn_duration(cx, pn_get(cx, map, "interval"), "interval",
	    &l->interval_us);
	rc |= pn_duration(cx, pn_get(cx, map, "sample_timeout"),
	    "sample_timeout", &l->sample_timeout_us);
	rc |= pn_int(cx, pn_get(cx, map, "p"), "p", 1, 100, &l->p);
	rc |= pn_tiers(cx, pn_get(cx, map, "latency"), "latency", &l->latency);
	char *s = pn_str(cx, ml, "max_loss");
	if (s && parse_percent(s, &l->max_loss, &e) != 0) {
		pn_error(cx, ml, "'max_loss': %s", e);
		free(e);
		e = NULL;
		rc = -1;
	} else if (ml && s == NULL) {
		rc = -1;
	}
	free(s);
	if (fr && (l->from = pn_str(cx, fr, "from")) == NULL)
		rc = -1;
	else if (l->from && !net_netns_name_ok(l->from)) {
		pn_error(cx, fr, "'from' must name a network namespace as `ip "
		    "netns` lists it (got '%s')", l->from);
		rc = -1;
	}
	if (l->sample_timeout_us < US_PER_MS) {
		pn_error(cx, pn_get(cx, map, "sample_timeout"), "'sample_timeout' "
		    "must be at least 1ms");
		rc = -1;
	}
	if (l->interval_us < 0 || l->interval_us > 24 * 3600 * US_PER_S) {
		pn_error(cx, pn_get(cx, map, "interval"), "'interval' must be "
		    "at most 24h");
		rc = -1;
	}
	if (l->sample_timeout_us > 3600 * US_PER_S) {
		pn_error(cx, pn_get(cx, map, "sample_timeout"), "'sample_timeout' "
		    "must be at most 1h");
		rc = -1;
	}
	if (rc != 0)
		return rc;
	/*
	 * Every sample must fit in the check's timeout, or the ones that did
	 * not run count as lost.  (samples <= 10000, interval <= 24h: no
	 * overflow.)
	 */
	int64_t need = lat_setup_us(l) + (l->samples - 1) * l->interval_us +
	    l->sample_timeout_us;
	yaml_node_t *tn_ = pn_get(cx, map, "timeout");
	if (tn_ == NULL) {
		if (need + US_PER_S > c->timeout_us)
			c->timeout_us = need + US_PER_S;
	} else if (need > c->timeout_us) {
		char *nd = fmt_duration(need);
		char *have = fmt_duration(c->timeout_us);
		char *iv = fmt_duration(l->interval_us);
		char *st = fmt_duration(l->sample_timeout_us);
		pn_error(cx, tn_, "check '%s': %lld samples every %s, each "
		    "within %s%s, need up to %s; 'timeout' is %s (raise it or "
		    "leave it out, or lower 'samples' or 'interval')", c->id,
		    l->samples, iv, st, lat_setup_us(l) ? " after connecting "
		    "within as long" : "", nd, have);
		free(iv);
		free(st);
		free(nd);
		free(have);
		rc = -1;
	}
	return rc;
}

/* ---- one sampler per mode ------------------------------------------- */


struct sampler {
	const struct lat_conf	*l;
	int64_t			 timeout_us;	/* the check's */
	struct db		*db;
	redisContext		*rc;
	CURL			*cu;
	char			 errbuf[CURL_ERROR_SIZE];
	/* out */
	int64_t			*ok_us;		/* successful samples */
	size_t			 nok, nlost;
	char			*last_err;
	bool			 conn_failed;	/* (re)connect failed: stop */
	int64_t			 total_us;
};

static void
lost(struct sampler *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lost(struct sampler *s, const char *fmt, ...)
{
	va_list ap;

	s->nlost++;
	free(s->last_err);
	va_start(ap, fmt);
	s->last_err = xvasprintf(fmt, ap);
	va_end(ap);
}

static void
redis_drop(struct sampler *s)
{
	if (s->rc)
		redisFree(s->rc);
	s->rc = NULL;
}

/*
 * Connect (and authenticate) once; 0 or -1 with the sample lost.  Every
 * command goes through redis_cmd (check/redis.c): a hostile server's
 * endless reply is cut at 1 MiB, and only +OK to AUTH authenticates.
 */
static int
redis_open(struct sampler *s, int64_t tmo)
{
	const struct url *u = s->l->target;
	struct timeval tv = { (time_t)(tmo / 1000000),
	    (suseconds_t)(tmo % 1000000) };
	redisReply *rp = NULL;
	char *e = NULL;

	s->rc = redisConnectWithTimeout(u->host, u->port ? u->port : 6379, tv);
	if (s->rc == NULL || s->rc->err) {
		lost(s, "connect to redis %s: %s", s->l->where, s->rc ?
		    s->rc->errstr : "out of memory");
		goto fail;
	}
	redisSetTimeout(s->rc, tv);
	if (u->password) {
		rp = redis_auth(s->rc, s->l->where, &e, u->user, u->password);
		if (rp == NULL)
			goto ioerr;
		/* A password the server does not need still samples PING. */
		if (rp->type == REDIS_REPLY_ERROR &&
		    strstr(rp->str, "without any password") == NULL) {
			lost(s, "redis %s: AUTH: %.100s", s->l->where, rp->str);
			goto fail;
		}
		if (rp->type != REDIS_REPLY_ERROR && !redis_is_ok(rp)) {
			lost(s, "redis %s answered AUTH with '%.100s', not OK",
			    s->l->where, redis_reply_text(rp));
			goto fail;
		}
		freeReplyObject(rp);
		rp = NULL;
	}
	if (u->path && *u->path && strcmp(u->path, "0") != 0) {
		rp = redis_cmd(s->rc, s->l->where, &e, "SELECT %s", u->path);
		if (rp == NULL)
			goto ioerr;
		if (rp->type == REDIS_REPLY_ERROR) {
			lost(s, "redis %s: SELECT %s: %.100s", s->l->where,
			    u->path, rp->str);
			goto fail;
		}
		freeReplyObject(rp);
	}
	return 0;
ioerr:
	lost(s, "%s", e);
	free(e);
fail:
	if (rp)
		freeReplyObject(rp);
	redis_drop(s);
	s->conn_failed = true;
	return -1;
}

static int
sql_open(struct sampler *s, int64_t tmo)
{
	char *e = NULL;

	if (db_connect(s->l->target, tmo, &s->db, &e) != 0) {
		lost(s, "%s", e);
		free(e);
		s->conn_failed = true;
		return -1;
	}
	return 0;
}

static size_t
discard(char *d, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void
http_open(struct sampler *s)
{
	s->cu = curl_easy_init();
	curl_easy_setopt(s->cu, CURLOPT_URL, s->l->target->raw);
	curl_easy_setopt(s->cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->cu, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->cu, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->cu, CURLOPT_USERAGENT, "cutover");
	http_system_store(s->cu);	/* not a bundle load per check */
}

/* One sample: its duration, or -1 when lost. */
static int64_t
sample(struct sampler *s, int64_t tmo)
{
	const struct lat_conf *l = s->l;
	int64_t t0;
	char *e = NULL, *v = NULL;

	switch (l->mode) {
	case M_TCP: {
		struct net_probe pr;
		net_tcp_probe(l->host, l->port, tmo, &pr);
		if (pr.outcome != NET_OPEN) {
			lost(s, "%s", pr.message);
			return -1;
		}
		return pr.elapsed_us;
	}
	case M_SQL:
		if (s->db == NULL && sql_open(s, tmo) != 0)
			return -1;
		t0 = now_mono_us();
		if (db_scalar(s->db, "SELECT 1", &v, &e) != 0) {
			lost(s, "%s", e);
			free(e);
			db_close(s->db);	/* reconnect for the next one */
			s->db = NULL;
			return -1;
		}
		free(v);
		return now_mono_us() - t0;
	case M_REDIS: {
		if (s->rc == NULL && redis_open(s, tmo) != 0)
			return -1;
		t0 = now_mono_us();
		redisReply *rp = redis_cmd(s->rc, l->where, &e, "PING");
		int64_t d = now_mono_us() - t0;
		bool ok = rp && rp->type == REDIS_REPLY_STATUS &&
		    strcmp(rp->str, "PONG") == 0;
		if (rp == NULL)
			lost(s, "%s", e);
		else if (!ok)
			lost(s, "redis %s: PING: %.100s", l->where,
			    redis_reply_text(rp));
		free(e);
		if (rp)
			freeReplyObject(rp);
		if (!ok)
			redis_drop(s);
		return ok ? d : -1;
	}
	case M_HTTP: {
		if (s->cu == NULL)
			http_open(s);
		curl_easy_setopt(s->cu, CURLOPT_TIMEOUT_MS, (long)(tmo / 1000));
		CURLcode cc = curl_easy_perform(s->cu);
		long code = 0;
		double total = 0;
		curl_easy_getinfo(s->cu, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(s->cu, CURLINFO_TOTAL_TIME, &total);
		if (cc != CURLE_OK) {
			lost(s, "%s: %s", l->where, *s->errbuf ? s->errbuf :
			    curl_easy_strerror(cc));
			return -1;
		}
		if (code >= 500) {
			lost(s, "%s answered HTTP %ld", l->where, code);
			return -1;
		}
		return (int64_t)(total * 1e6);
	}
	}
	return -1;
}

static void
sample_all(void *arg)
{
	struct sampler *s = arg;
	const struct lat_conf *l = s->l;
	int64_t start = now_mono_us(), end = start + s->timeout_us;

	/* Set the connection up outside the figures; an HTTP warm-up too. */
	if (l->mode == M_SQL)
		sql_open(s, lat_setup_us(l));
	else if (l->mode == M_REDIS)
		redis_open(s, l->sample_timeout_us);
	else if (l->mode == M_HTTP) {
		http_open(s);
		curl_easy_setopt(s->cu, CURLOPT_TIMEOUT_MS,
		    (long)(l->sample_timeout_us / 1000));
		curl_easy_perform(s->cu);
	}
	/* A failed setup already counted as a lost sample. */
	size_t first = s->nlost;
	for (long long i = (long long)first; i < l->samples; i++) {
		int64_t t = now_mono_us();
		int64_t left = end - t;
		/*
		 * Without a connection there is nothing to time: the rest is
		 * lost, and the check ends well within its timeout.
		 */
		if (s->conn_failed) {
			s->nlost += (size_t)(l->samples - i);
			break;
		}
		if (left <= 0) {
			lost(s, "ran out of the check's timeout after %lld "
			    "samples", i);
			s->nlost += (size_t)(l->samples - i - 1);
			break;
		}
		int64_t tmo = l->sample_timeout_us < left ?
		    l->sample_timeout_us : left;
		/* curl and hiredis read 0 as "no timeout": never pass it. */
		if (tmo < US_PER_MS)
			tmo = US_PER_MS;
		int64_t d = sample(s, tmo);
		if (d >= 0)
			s->ok_us[s->nok++] = d;
		if (i + 1 < l->samples) {
			int64_t next = t + l->interval_us;
			if (next > now_mono_us())
				sleep_us(next - now_mono_us());
		}
	}
	s->total_us = now_mono_us() - start;
	db_close(s->db);
	redis_drop(s);
	if (s->cu)
		curl_easy_cleanup(s->cu);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static int64_t
pct(const int64_t *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return v[rank > n ? n - 1 : rank - 1];
}

static void
lat_run(const struct check *c, struct result *r)
{
	const struct lat_conf *l = c->priv;
	struct sampler s = { .l = l, .timeout_us = c->timeout_us };
	char *e = NULL;
	char *tiers = l->latency.set ? tiers_describe(&l->latency) : NULL;

	s.ok_us = xcalloc((size_t)l->samples + 1, sizeof(*s.ok_us));
	result_threshold(r, "p%lld %s; loss <= %g%%", l->p,
	    tiers ? tiers : "measured", l->max_loss);
	if (l->from == NULL)
		sample_all(&s);
	else if (net_in_netns(l->from, sample_all, &s, &e) != 0) {
		result_observed(r, "error");
		result_set(r, ST_FAIL, "%s", e);
		goto out;
	}
	double loss = 100.0 * (double)s.nlost / (double)l->samples;
	const char *from = l->from ? l->from : NULL;
	if (s.nok == 0) {
		result_observed(r, "loss 100%%");
		result_set(r, ST_FAIL, "all %lld samples of %s to %s%s%s failed: "
		    "%s", l->samples, mode_what[l->mode], l->where,
		    from ? " from " : "", from ? from : "",
		    s.last_err ? s.last_err : "no answer");
		goto out;
	}
	qsort(s.ok_us, s.nok, sizeof(*s.ok_us), cmp_i64);
	int64_t v = pct(s.ok_us, s.nok, (double)l->p);
	char *dv = fmt_duration(v);
	char *mn = fmt_duration(s.ok_us[0]);
	char *p50 = fmt_duration(pct(s.ok_us, s.nok, 50));
	char *p95 = fmt_duration(pct(s.ok_us, s.nok, 95));
	char *p99 = fmt_duration(pct(s.ok_us, s.nok, 99));
	char *mx = fmt_duration(s.ok_us[s.nok - 1]);
	result_detail(r, "%s to %s%s%s\nsamples %lld, lost %zu (%.0f%%)\n"
	    "min %s, p50 %s, p95 %s, p99 %s, max %s%s%s", mode_what[l->mode],
	    l->where, from ? " from " : "", from ? from : "", l->samples,
	    s.nlost, loss, mn, p50, p95, p99, mx,
	    s.last_err ? "\nlast loss: " : "", s.last_err ? s.last_err : "");
	r->has_value = true;
	r->value = v / 1e6;
	result_observed(r, "p%lld %s, loss %.0f%%", l->p, dv, loss);
	enum status st = tiers_judge(&l->latency, v);
	if (loss > l->max_loss) {
		result_set(r, ST_FAIL, "%zu of %lld samples lost (%.0f%%, more "
		    "than %g%%): %s", s.nlost, l->samples, loss, l->max_loss,
		    s.last_err);
	} else {
		result_set(r, st, "p%lld %s over %zu %s samples to %s%s%s "
		    "(min %s, max %s)%s", l->p, dv, s.nok,
		    l->mode == M_TCP ? "TCP connect" : l->mode == M_SQL ?
		    "SELECT 1" : l->mode == M_REDIS ? "PING" : "HTTP",
		    l->where, from ? " from " : "", from ? from : "", mn, mx,
		    st == ST_FAIL ? " (at or past crit)" :
		    st == ST_WARN ? " (at or past warn)" : "");
	}
	free(dv);
	free(mn);
	free(p50);
	free(p95);
	free(p99);
	free(mx);
out:
	free(tiers);
	free(e);
	free(s.ok_us);
	free(s.last_err);
}

static void
lat_free(void *p)
{
	struct lat_conf *l = p;

	free(l->host);
	free(l->port);
	free(l->where);
	free(l->from);
	free(l);
}

const struct check_kind check_latency = {
	.name = "latency",
	.summary = "N samples of connect, SELECT 1, PING or GET; percentile "
	    "tiers",
	.keys = keys,
	.parse = lat_parse,
	.run = lat_run,
	.free = lat_free,
	.value = "seconds, the p-th percentile of the samples",
};
