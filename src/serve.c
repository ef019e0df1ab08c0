/*
 * serve.c - HTTP around serve_view: routes, access, the journal cache;
 * see serve.h.
 *
 * The cache.  A request compares the journal's identity (device, inode),
 * SQLite's data_version and the lock's holder with those of the loaded
 * copy (a snapshot) and loads again only when one moved; a snapshot is
 * shared by the requests that use it (reference counted) and carries the
 * metric families that depend on the journal alone, rendered once.  A
 * request then adds only what moves with the clock (window, downtime).
 * A load is made by a loader thread while the request that asked for it
 * is suspended; the other requests are served the snapshot before it.
 * The holder is probed at most every HOLDER_EVERY_US: the probe takes a
 * shared flock for microseconds, and a writer starting meanwhile retries
 * (journal_lock) rather than finding its journal "in use".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <microhttpd.h>
#include <zlib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "journal.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/lazy_mhd.h"
#include "lib/prom.h"
#include "lib/redact.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "report.h"
#include "serve.h"
#include "serve_view.h"
#include "status.h"

#define HOLDER_EVERY_US		(250 * 1000)
/*
 * /metrics is mostly the checks' families, rendered once per load; the
 * window and downtime gauges are rendered again at most this often.  A
 * request then costs a stat, SQLite's data_version and the copy to the
 * socket: 700 checks (290 KB), 2 wrk threads on the same 2 cores: see
 * docs/BENCHMARKS.md.
 */
#define CLOCK_EVERY_US		(100 * 1000)
/*
 * The journal's identity and data_version are asked at most this often:
 * the stat and SQLite's read transaction (two fcntl locks and an fstat)
 * were 5 of a /metrics request's 9 system calls, made under the lock both
 * server threads take.  A commit is visible to requests that start this
 * long after it.
 */
#define FRESH_US		1000
/* An idle connection (a slow client, slowloris) is closed after this. */
#define CONN_TIMEOUT_S		10
/* Request headers beyond this get 431 (libmicrohttpd's pool per connection). */
#define CONN_MEMORY		(32 * 1024)

struct snap {
	int		 refs;
	uint64_t	 gen;		/* which load: 1, 2, ... */
	int		 rc;		/* 0 loaded, 1 no run yet, -1 error */
	char		*error;
	struct jlog	 l;
	struct report_live rl;
	size_t		*last, *series, nseries;
	struct buf	 metrics;	/* view_metrics_journal */
	struct buf	 metrics_gz;	/* its gzip head (see gzip_head) */
	uLong		 metrics_crc;
	/* What it was loaded at. */
	int64_t		 version;
	long		 holder;
	dev_t		 dev;
	ino_t		 ino;
};

/*
 * A whole /metrics body (journal families and clock families), plain or
 * gzip'd, shared by the requests that send it until the next render.
 * One buffer, not two pieces: libmicrohttpd sends the head and a buffer
 * body in one sendmsg, a vector body in two sends and a setsockopt.
 */
struct mbody {
	int		 refs;
	size_t		 len;
	char		 data[];
};

struct server {
	const struct plan *p;
	const char	*journal;
	struct MHD_Daemon *d;
	char		*url;
	/* Credentials: "Bearer TOKEN" and "Basic BASE64", as sent. */
	char		*bearer, *basic;
	char		*csp;
	char		*cert, *key;	/* PEM, kept while the daemon runs */
	pthread_mutex_t	 mu;		/* guards everything below */
	struct journal	*j;
	dev_t		 dev;
	ino_t		 ino;
	struct snap	*cur;
	/* /metrics' clock families, rendered at most every CLOCK_EVERY_US. */
	uint64_t	 gen, clock_gen;	/* loads so far; the clock's */
	int64_t		 clock_at;
	struct buf	 clock, clock_gz;
	struct mbody	*body[2];	/* plain, gzip; NULL: not made yet */
	int64_t		 checked_at;	/* the journal's version asked */
	bool		 loading;	/* a snapshot is being loaded */
	/*
	 * The loader thread: a request that finds the journal moved hands
	 * the load to it and is suspended (MHD_suspend_connection) until
	 * the new snapshot is in, so that its pool thread goes on serving
	 * the other connections meanwhile (they get the snapshot before).
	 */
	pthread_t	 loader;
	bool		 has_loader, load_want, load_quit;
	pthread_cond_t	 load_cv;
	int64_t		 load_version;
	struct MHD_Connection *waiter;	/* suspended for the load */
	struct jwcache	*wc;		/* the watches' figures so far */
	int64_t		 holder_at;
	long		 holder;
};

static bool
is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- options ------------------------------------------------------------ */

bool
serve_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

/* Split "ADDR:PORT" / "[V6]:PORT" and resolve it (numeric, or localhost). */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len,
    char **errp)
{
	const char *colon = strrchr(listen, ':');
	char *host;

	if (colon == NULL || colon == listen || colon[1] == '\0')
		return seterr(errp, "--listen '%s': expected ADDRESS:PORT "
		    "(127.0.0.1:9477, [::1]:9477)", listen);
	if (listen[0] == '[') {
		if (colon[-1] != ']')
			return seterr(errp, "--listen '%s': expected [V6]:PORT",
			    listen);
		host = xstrndup(listen + 1, (size_t)(colon - listen - 2));
	} else {
		host = xstrndup(listen, (size_t)(colon - listen));
	}
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (*end || errno || port < 0 || port > 65535) {
		free(host);
		return seterr(errp, "--listen '%s': the port must be 0 to 65535",
		    listen);
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE |
	    AI_NUMERICSERV }, *ai = NULL;
	if (!is(host, "localhost"))
		hints.ai_flags |= AI_NUMERICHOST;
	int rc = getaddrinfo(is(host, "localhost") ? "127.0.0.1" : host,
	    colon + 1, &hints, &ai);
	free(host);
	if (rc != 0 || ai == NULL)
		return seterr(errp, "--listen '%s': not an IP address (%s)",
		    listen, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/*
 * 127.0.0.0/8 and ::1 (and ::ffff:127.x): the kernel delivers them only
 * to this machine's own processes.
 */
static bool
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		const uint8_t *a = s6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && a[12] == 127;
	}
	return false;
}

static const char *
env_secret(const char *name)
{
	const char *v = name ? getenv(name) : NULL;

	return v && *v ? v : NULL;
}

static int
readable(const char *opt, const char *path, char **errp)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return seterr_errno(errp, "%s '%s'", opt, path);
	fclose(f);
	return 0;
}

int
serve_opts_check(const struct serve_opts *o, char **errp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *listen = o->listen ? o->listen : SERVE_DEFAULT_LISTEN;

	if (parse_listen(listen, &ss, &len, errp) != 0)
		return -1;
	if (o->token_env && env_secret(o->token_env) == NULL)
		return seterr(errp, "--token-env %s: the variable is not set "
		    "or empty", o->token_env);
	if (o->basic_env) {
		const char *v = env_secret(o->basic_env);
		if (v == NULL || strchr(v, ':') == NULL || *v == ':')
			return seterr(errp, "--basic-auth-env %s: the variable "
			    "must hold USER:PASSWORD", o->basic_env);
	}
	if (!is_loopback(&ss) && !o->token_env && !o->basic_env)
		return seterr(errp, "--listen %s is not a loopback address: "
		    "anyone who reaches it would see the run; give "
		    "--token-env NAME or --basic-auth-env NAME", listen);
	if (!o->tls_cert != !o->tls_key)
		return seterr(errp, "--tls-cert and --tls-key go together");
	if (o->tls_cert && !serve_tls_supported())
		return seterr(errp, "--tls-cert: this libmicrohttpd has no TLS; "
		    "serve on loopback behind a reverse proxy (see --help)");
	if (o->tls_cert && (readable("--tls-cert", o->tls_cert, errp) != 0 ||
	    readable("--tls-key", o->tls_key, errp) != 0))
		return -1;
	return 0;
}

/*
 * Gzip in two parts, one stream: the head is the gzip header and the
 * journal part's deflate blocks, sync-flushed (byte-aligned, not final),
 * made once per load; the tail, per clock render, is the clock part as
 * raw deflate blocks ending with the final one, and the trailer (CRC-32
 * of both parts, combined, and their length).  Two gzip members would
 * be valid too, but libcurl reads only the first.
 */
static void
deflate_into(struct buf *out, const char *s, size_t n, int wbits, int flush)
{
	z_stream z = { 0 };
	unsigned char chunk[16384];

	if (deflateInit2(&z, 1, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return;
	z.next_in = (unsigned char *)(uintptr_t)s;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		deflate(&z, flush);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (z.avail_out == 0);
	deflateEnd(&z);
}

static void
gzip_head(struct buf *out, const char *s, size_t n)
{
	deflate_into(out, s, n, 15 + 16, Z_SYNC_FLUSH);
}

static void
gzip_tail(struct buf *out, const char *s, size_t n, uLong crc_head,
    size_t n_head)
{
	unsigned char t[8];

	deflate_into(out, s, n, -15, Z_FINISH);
	uLong crc = crc32_combine(crc_head, crc32(0, (const Bytef *)s,
	    (uInt)n), (z_off_t)n);
	uint32_t len = (uint32_t)(n_head + n);
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(crc >> (8 * i));
		t[4 + i] = (unsigned char)(len >> (8 * i));
	}
	buf_add(out, t, 8);
}

/* ---- the journal cache -------------------------------------------------- */

static void
snap_unref(struct snap *sp)
{
	if (sp == NULL || __atomic_sub_fetch(&sp->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (sp->rc == 0) {
		report_live_release(&sp->rl);
		jlog_release(&sp->l);
	}
	free(sp->last);
	free(sp->series);
	free(sp->error);
	buf_release(&sp->metrics);
	buf_release(&sp->metrics_gz);
	free(sp);
}

/* A view of sp at now; its derived parts filled. */
static void
snap_view(const struct server *s, const struct snap *sp, struct view *v)
{
	memset(v, 0, sizeof(*v));
	v->p = s->p;
	v->journal = s->journal;
	v->error = sp->error;
	v->l = sp->rc == 0 ? &sp->l : NULL;
	v->rl = sp->rc == 0 ? &sp->rl : NULL;
	v->last = sp->last;
	v->series = sp->series;
	v->nseries = sp->nseries;
	v->now = now_wall_us();
	view_derive(v);
}

static struct snap *
snap_load(struct server *s, int64_t version)
{
	struct snap *sp = xcalloc(1, sizeof(*sp));
	char *e = NULL;

	sp->refs = 1;
	buf_init(&sp->metrics, 0);
	buf_init(&sp->metrics_gz, 0);
	sp->version = version;
	sp->dev = s->dev;
	sp->ino = s->ino;
	sp->holder = s->holder;
	if (s->j == NULL) {
		sp->rc = 1;
	} else {
		sp->rc = journal_load(s->j, 0, &sp->l, &e);
		/* The watch figures: recomputed when the journal changed. */
		if (sp->rc == 0 && journal_watches_stats_cached(s->j, &sp->l,
		    s->wc, &e) != 0) {
			jlog_release(&sp->l);
			sp->rc = -1;
		}
		if (sp->rc < 0)
			sp->error = e ? e : xstrdup("journal unreadable");
		else
			free(e);
	}
	if (sp->rc == 0) {
		/* journal_load hides our own pid: here the run is ours. */
		sp->l.holder = s->holder;
		report_live_init(&sp->rl, s->p, &sp->l);
	}
	view_index(s->p, sp->rc == 0 ? &sp->l : NULL, &sp->last, &sp->series,
	    &sp->nseries);
	struct view v;
	snap_view(s, sp, &v);
	view_metrics_journal(&sp->metrics, &v);
	gzip_head(&sp->metrics_gz, sp->metrics.s, sp->metrics.len);
	sp->metrics_crc = crc32(0, (const Bytef *)sp->metrics.s,
	    (uInt)sp->metrics.len);
	return sp;
}

/*
 * The current snapshot, loaded again if the journal moved; a reference.
 * NULL when c was suspended for the loader thread: the handler is called
 * again once the new snapshot is in (resumed true then: it never waits
 * twice).
 */
static struct snap *
snap_get(struct server *s, struct MHD_Connection *c, bool resumed)
{
	struct stat sb;
	char *e = NULL;
	int64_t now = now_mono_us();

	pthread_mutex_lock(&s->mu);
	/*
	 * While one request loads the journal again, the others are served
	 * the snapshot before it: a load reads every watch sample (tens of
	 * milliseconds for a watch of 700 checks), and requests used to wait
	 * for it behind the lock, a journal commit a second.
	 */
	if (s->cur && (s->loading || (s->cur->rc >= 0 &&
	    now - s->checked_at < FRESH_US))) {
		struct snap *r = s->cur;
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&s->mu);
		return r;
	}
	s->checked_at = now;
	bool there = stat(s->journal, &sb) == 0;
	if (s->j && (!there || sb.st_dev != s->dev || sb.st_ino != s->ino)) {
		/* Replaced or removed: what we hold is another file now. */
		journal_close(s->j);
		s->j = NULL;
	}
	int64_t version = -1;
	char *err = NULL;
	if (s->j == NULL && there) {
		jwcache_clear(s->wc);	/* another file: start again */
		int rc = journal_open_ro(s->journal, &s->j, &e);
		if (rc < 0)
			err = e;
		else
			free(e);
		if (s->j) {
			s->dev = sb.st_dev;
			s->ino = sb.st_ino;
		}
	}
	if (s->j)
		version = journal_data_version(s->j);
	if (s->j && version < 0)
		err = xasprintf("journal %s: cannot be read", s->journal);
	bool moved = s->cur == NULL || s->cur->version != version ||
	    s->cur->dev != s->dev || s->cur->ino != s->ino ||
	    (s->cur->error != NULL) != (err != NULL) || s->j == NULL;
	if (moved || now - s->holder_at >= HOLDER_EVERY_US) {
		s->holder = there ? journal_holder(s->journal) : 0;
		s->holder_at = now;
	}
	if (s->cur && s->cur->holder != s->holder)
		moved = true;
	/* No journal, or an error, is cheap to say again: no reuse needed. */
	if (moved) {
		struct snap *sp;
		if (err) {
			sp = xcalloc(1, sizeof(*sp));
			sp->refs = 1;
			buf_init(&sp->metrics, 0);
			buf_init(&sp->metrics_gz, 0);
			gzip_head(&sp->metrics_gz, "", 0);
			sp->rc = -1;
			sp->error = err;
			sp->version = version;
			view_index(s->p, NULL, &sp->last, &sp->series,
			    &sp->nseries);
			err = NULL;
		} else if (s->cur == NULL) {
			sp = snap_load(s, version);
		} else if (s->has_loader && !s->load_quit && c && !resumed) {
			/*
			 * The pool thread serves its other connections while the
			 * loader works: a load holding it (~10 ms of CPU at 700
			 * watched checks, 50-150 ms of wall time at a load of
			 * 40) was what was left of /metrics' p99.
			 */
			s->loading = true;
			s->load_want = true;
			s->load_version = version;
			s->waiter = c;
			MHD_suspend_connection(c);
			pthread_cond_signal(&s->load_cv);
			pthread_mutex_unlock(&s->mu);
			return NULL;
		} else if (resumed) {
			/* Moved again since: what was loaded for us will do;
			 * the next request loads. */
			s->checked_at = 0;
			struct snap *r = s->cur;
			__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
			pthread_mutex_unlock(&s->mu);
			free(err);
			return r;
		} else {
			/* s->j and the identity stay ours: the others take
			 * the path above meanwhile. */
			s->loading = true;
			pthread_mutex_unlock(&s->mu);
			sp = snap_load(s, version);
			pthread_mutex_lock(&s->mu);
			s->loading = false;
		}
		sp->gen = ++s->gen;
		snap_unref(s->cur);
		s->cur = sp;
	}
	free(err);
	struct snap *r = s->cur;
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->mu);
	return r;
}

/*
 * The loader thread: loads what snap_get asked for, swaps it in and
 * resumes the connection that waits for it.  On quit it finishes a load
 * asked for first, so that no connection stays suspended (libmicrohttpd
 * refuses to stop with one).
 */
static void *
loader_main(void *arg)
{
	struct server *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->load_want && !s->load_quit)
			pthread_cond_wait(&s->load_cv, &s->mu);
		if (!s->load_want)
			break;
		int64_t version = s->load_version;
		s->load_want = false;
		pthread_mutex_unlock(&s->mu);
		struct snap *sp = snap_load(s, version);
		pthread_mutex_lock(&s->mu);
		sp->gen = ++s->gen;
		snap_unref(s->cur);
		s->cur = sp;
		s->loading = false;
		if (s->waiter) {
			MHD_resume_connection(s->waiter);
			s->waiter = NULL;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void
loader_stop(struct server *s)
{
	if (!s->has_loader)
		return;
	pthread_mutex_lock(&s->mu);
	s->load_quit = true;
	pthread_cond_signal(&s->load_cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->loader, NULL);
	s->has_loader = false;
}

/* ---- responses ---------------------------------------------------------- */

static void
common_headers(struct server *s, struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", s->csp);
}

static enum MHD_Result
reply(struct server *s, struct MHD_Connection *c, unsigned code,
    const char *type, struct buf *body)
{
	size_t len = body->len;
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
	    buf_detach(body), MHD_RESPMEM_MUST_FREE);

	common_headers(s, r, type);
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct server *s, struct MHD_Connection *c, unsigned code,
    const char *text)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, text);
	return reply(s, c, code, "text/plain; charset=utf-8", &b);
}

static void
mbody_unref(void *cls)
{
	struct mbody *mb = cls;

	if (mb && __atomic_sub_fetch(&mb->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(mb);
}

/* Does the client take gzip (Prometheus does)? */
static bool
wants_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *g = ae ? strcasestr(ae, "gzip") : NULL;

	return g && strncmp(g + 4, ";q=0", 4) != 0;
}

/*
 * /metrics: the snapshot's journal families and the clock families after
 * them (gzip'd as two members when asked), joined once per render into a
 * body the requests share.
 */
static enum MHD_Result
page_metrics(struct server *s, struct MHD_Connection *c, struct snap *sp,
    const struct view *v)
{
	bool gz = wants_gzip(c);
	int64_t now = now_mono_us();

	pthread_mutex_lock(&s->mu);
	if (s->clock_gen != sp->gen || now - s->clock_at >= CLOCK_EVERY_US) {
		buf_reset(&s->clock);
		buf_reset(&s->clock_gz);
		view_metrics_clock(&s->clock, v);
		gzip_tail(&s->clock_gz, s->clock.s, s->clock.len,
		    sp->metrics_crc, sp->metrics.len);
		s->clock_gen = sp->gen;
		s->clock_at = now;
		for (int i = 0; i < 2; i++) {
			mbody_unref(s->body[i]);
			s->body[i] = NULL;
		}
	}
	struct mbody *mb = s->body[gz];
	if (mb == NULL) {
		/* The first request since the render joins the two parts. */
		const struct buf *jb = gz ? &sp->metrics_gz : &sp->metrics;
		const struct buf *cb = gz ? &s->clock_gz : &s->clock;
		mb = xmalloc(sizeof(*mb) + jb->len + cb->len + 1);
		mb->refs = 1;
		mb->len = jb->len + cb->len;
		memcpy(mb->data, jb->s, jb->len);
		memcpy(mb->data + jb->len, cb->s, cb->len);
		s->body[gz] = mb;
	}
	__atomic_add_fetch(&mb->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->mu);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback_cls(mb->len,
	    mb->data, mbody_unref, mb);
	if (r == NULL) {
		mbody_unref(mb);
		return MHD_NO;
	}
	common_headers(s, r, PROM_CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
		    "gzip");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void
health(struct buf *b, const struct snap *sp)
{
	json_open(b);
	json_field(b, "status", sp->rc < 0 ? "error" : "ok", true);
	if (sp->rc < 0) {
		json_field(b, "error", sp->error, true);
	} else if (sp->rc == 1) {
		json_field(b, "state", "none", true);
	} else {
		buf_addf(b, ", \"run\": %lld", (long long)sp->l.run.id);
		json_field(b, "state", sp->rl.state, true);
	}
	buf_adds(b, "}\n");
}

/* /api/status: what `cutover status --format json` prints, by its code. */
static void
api_status(struct buf *b, const struct server *s, const struct snap *sp)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	if (sp->rc == 0)
		status_emit(f, true, s->p, &sp->l, s->journal);
	else
		status_emit_none(f, true, s->p, NULL);
	fclose(f);
	buf_add(b, text, len);
	free(text);
}

/* ---- access ------------------------------------------------------------- */

/* Equal, in time that does not depend on where they differ. */
static bool
secret_eq(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];
	unsigned int n;

	if (a == NULL || b == NULL)
		return false;
	/* Hash both first: the time does not tell the length either. */
	EVP_Digest(a, strlen(a), ha, &n, EVP_sha256(), NULL);
	EVP_Digest(b, strlen(b), hb, &n, EVP_sha256(), NULL);
	return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0;
}

static const char *
client_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(out, n, "?");
	if (ci == NULL || ci->client_addr == NULL)
		return out;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, out, (socklen_t)n);
	return out;
}

/*
 * Does the request carry the credentials?  An Authorization header
 * ("Bearer TOKEN" or "Basic ...") or ?token= (a browser's address bar).
 */
static bool
allowed(struct server *s, struct MHD_Connection *c, const char **why)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "token");

	if (s->bearer == NULL && s->basic == NULL)
		return true;
	*why = auth || q ? "wrong credentials" : "no credentials";
	if (s->bearer && secret_eq(auth, s->bearer))
		return true;
	if (s->bearer && q && secret_eq(q, s->bearer + strlen("Bearer ")))
		return true;
	return s->basic && secret_eq(auth, s->basic);
}

static enum MHD_Result
deny(struct server *s, struct MHD_Connection *c, const char *method,
    const char *url, const char *why)
{
	char addr[64];
	struct buf b = BUF_INIT;

	/* The path only: a query may hold a (wrong) token. */
	char *pr = text_printable(url, false);
	fprintf(stderr, "cutover serve: 401 %s %.200s from %s (%s)\n", method,
	    pr, client_addr(c, addr, sizeof(addr)), why);
	free(pr);
	buf_adds(&b, "401 unauthorized: a token (Authorization: Bearer, or "
	    "?token=) or basic-auth credentials are required\n");
	size_t len = b.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
	    buf_detach(&b), MHD_RESPMEM_MUST_FREE);
	common_headers(s, r, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, s->basic ?
	    "Basic realm=\"cutover\", charset=\"UTF-8\"" :
	    "Bearer realm=\"cutover\"");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- routes ------------------------------------------------------------- */

static char resumed_mark;

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	const char *why = NULL;

	/* Take no body: a GET with one is answered once it has arrived. */
	if (*con_cls == NULL) {
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!is(method, "GET") && !is(method, "HEAD")) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "405 only GET and HEAD\n");
		size_t len = b.len;
		struct MHD_Response *r = MHD_create_response_from_buffer(len,
		    buf_detach(&b), MHD_RESPMEM_MUST_FREE);
		common_headers(s, r, "text/plain; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		enum MHD_Result ret = MHD_queue_response(c,
		    MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!allowed(s, c, &why))
		return deny(s, c, method, url, why);

	static const char *const routes[] = { "/", "/api/dashboard",
	    "/metrics", "/health", "/api/status" };
	size_t route = SIZE_MAX;
	for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++)
		if (is(url, routes[i]))
			route = i;
	if (route == SIZE_MAX)
		return reply_text(s, c, MHD_HTTP_NOT_FOUND, "404 not found: "
		    "try /, /metrics, /health or /api/status\n");

	/* *con_cls: s once the headers are in, &resumed_mark after a
	 * suspension for the loader. */
	bool resumed = *con_cls == &resumed_mark;
	struct snap *sp = snap_get(s, c, resumed);
	if (sp == NULL) {
		*con_cls = &resumed_mark;
		return MHD_YES;
	}
	struct view v;
	struct buf b = BUF_INIT;
	enum MHD_Result ret;
	snap_view(s, sp, &v);
	switch (route) {
	case 0:
		view_page(&b, &v);
		ret = reply(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
		break;
	case 1:
		view_live(&b, &v);
		ret = reply(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
		break;
	case 2:
		ret = page_metrics(s, c, sp, &v);
		break;
	case 3:
		health(&b, sp);
		ret = reply(s, c, sp->rc < 0 ? MHD_HTTP_SERVICE_UNAVAILABLE :
		    MHD_HTTP_OK, "application/json", &b);
		break;
	default:
		api_status(&b, s, sp);
		ret = reply(s, c, sp->rc < 0 ? MHD_HTTP_SERVICE_UNAVAILABLE :
		    MHD_HTTP_OK, "application/json", &b);
	}
	buf_release(&b);
	snap_unref(sp);
	return ret;
}

/* ---- start, stop -------------------------------------------------------- */

/* 'sha256-BASE64' of s, for a CSP source. */
static char *
csp_hash(const char *s)
{
	unsigned char md[32], b64[64];
	unsigned int n;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	EVP_EncodeBlock(b64, md, 32);
	return xasprintf("'sha256-%s'", b64);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

static void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	snap_unref(s->cur);
	buf_release(&s->clock);
	buf_release(&s->clock_gz);
	jwcache_free(s->wc);
	mbody_unref(s->body[0]);
	mbody_unref(s->body[1]);
	journal_close(s->j);
	pthread_cond_destroy(&s->load_cv);
	pthread_mutex_destroy(&s->mu);
	if (s->bearer)
		OPENSSL_cleanse(s->bearer, strlen(s->bearer));
	if (s->basic)
		OPENSSL_cleanse(s->basic, strlen(s->basic));
	free(s->bearer);
	free(s->basic);
	free(s->csp);
	free(s->url);
	if (s->key)
		OPENSSL_cleanse(s->key, strlen(s->key));
	free(s->key);
	free(s->cert);
	free(s);
}

struct server *
serve_start(const struct plan *p, const char *journal,
    const struct serve_opts *o, char **errp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *listen = o->listen ? o->listen : SERVE_DEFAULT_LISTEN;

	if (serve_opts_check(o, errp) != 0 ||
	    parse_listen(listen, &ss, &len, errp) != 0)
		return NULL;
	struct server *s = xcalloc(1, sizeof(*s));
	s->p = p;
	s->journal = journal;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->load_cv, NULL);
	s->wc = jwcache_new();
	buf_init(&s->clock, 0);
	buf_init(&s->clock_gz, 0);
	if (o->token_env) {
		s->bearer = xasprintf("Bearer %s", env_secret(o->token_env));
		redact_add(env_secret(o->token_env));
	}
	if (o->basic_env) {
		const char *v = env_secret(o->basic_env);
		unsigned char *b64 = xmalloc(4 * (strlen(v) / 3 + 1) + 1);
		EVP_EncodeBlock(b64, (const unsigned char *)v, (int)strlen(v));
		s->basic = xasprintf("Basic %s", b64);
		OPENSSL_cleanse(b64, strlen((char *)b64));
		free(b64);
		redact_add(strchr(v, ':') + 1);
	}
	char *hs = csp_hash(view_css), *hj = csp_hash(view_js);
	s->csp = xasprintf("default-src 'none'; style-src %s; script-src %s; "
	    "connect-src 'self'; img-src 'self'; base-uri 'none'; "
	    "form-action 'none'; frame-ancestors 'none'", hs, hj);
	free(hs);
	free(hj);

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TURBO |
	    MHD_ALLOW_SUSPEND_RESUME |
	    (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ?
	    MHD_USE_EPOLL : MHD_USE_POLL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert) {
		flags |= MHD_USE_TLS;
		s->cert = slurp(o->tls_cert);
		s->key = slurp(o->tls_key);
		if (s->cert == NULL || s->key == NULL) {
			seterr_errno(errp, "cannot read --tls-cert/--tls-key");
			goto fail;
		}
	}
	unsigned conns = o->max_conns ? o->max_conns : SERVE_MAX_CONNS;
	unsigned threads = o->threads ? o->threads : 2;
	/*
	 * The connection threads inherit this mask: signals stay with the
	 * caller's thread (cmd serve's sigwait, the runbook's handlers).
	 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, s->key },
		{ MHD_OPTION_END, 0, NULL },
	};
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, conns,
	    /* One address may hold a quarter: a slowloris from one host
	     * leaves room for everyone else. */
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, conns / 4 ? conns / 4 : 1,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
	    MHD_OPTION_ARRAY, o->tls_cert ? tls : tls + 2,
	    MHD_OPTION_END);
	int e = errno;
	if (s->d && pthread_create(&s->loader, NULL, loader_main, s) == 0)
		s->has_loader = true;	/* else requests load, as before */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (s->d == NULL) {
		errno = e;
		seterr(errp, "cannot listen on %s%s%s", listen, e ? ": " : "",
		    e ? strerror(e) : "");
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d,
	    MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
		    sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    host, sizeof(host));
	s->url = xasprintf("%s://%s%s%s:%u/", o->tls_cert ? "https" : "http",
	    ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family ==
	    AF_INET6 ? "]" : "", di ? di->port : 0);
	return s;
fail:
	server_free(s);
	return NULL;
}

const char *
serve_url(const struct server *s)
{
	return s->url;
}

void
serve_stop(struct server *s)
{
	if (s == NULL)
		return;
	/* First: the loader resumes whom it suspended. */
	loader_stop(s);
	MHD_stop_daemon(s->d);
	server_free(s);
}
