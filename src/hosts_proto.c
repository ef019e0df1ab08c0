/* hosts_proto.c - the agent's wire format (see hosts_proto.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "hosts.h"
#include "hosts_proto.h"
#include "lib/json.h"
#include "lib/xmalloc.h"

/* ---- decoding ------------------------------------------------------- */

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *
jdup(json_t *o, const char *key)
{
	const char *s = jstr(o, key);

	return s ? xstrdup(s) : NULL;
}

/* A map of strings, as "K=V" entries; -1 on anything else. */
static int
jkv(json_t *o, struct strlist *out)
{
	const char *k;
	json_t *v;

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return -1;
	json_object_foreach(o, k, v) {
		if (!json_is_string(v) || *k == '\0' || strchr(k, '='))
			return -1;
		strlist_push_owned(out, xasprintf("%s=%s", k,
		    json_string_value(v)));
	}
	return 0;
}

static int
jstrs(json_t *a, struct strlist *out)
{
	size_t i;
	json_t *v;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -1;
		strlist_push(out, json_string_value(v));
	}
	return 0;
}

static bool
jbool(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static long long
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* s is exactly n lowercase hex digits. */
static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == n;
}

static int
decode_result(json_t *o, struct result *r)
{
	static const char *const st[] = { "pass", "warn", "fail", "skip" };
	const char *s;
	json_t *v;

	if (!json_is_object(o) || (s = jstr(o, "status")) == NULL)
		return -1;
	size_t i;
	for (i = 0; i < 4 && strcmp(st[i], s) != 0; i++)
		;
	if (i == 4)
		return -1;
	r->status = (enum status)i;
	r->message = jdup(o, "message");
	r->observed = jdup(o, "observed");
	r->threshold = jdup(o, "threshold");
	r->detail = jdup(o, "detail");
	r->unanswered = jbool(o, "unanswered");
	if ((v = json_object_get(o, "value")) && json_is_number(v)) {
		r->has_value = true;
		r->value = json_number_value(v);
	}
	return 0;
}

static int
decode_b64(const char *s, struct buf *out)
{
	size_t n = strlen(s);

	if (n % 4 != 0 || n > PROTO_LINE_MAX)
		return -1;
	if (n == 0)
		return 0;
	unsigned char *d = xmalloc(n / 4 * 3 + 1);
	int m = EVP_DecodeBlock(d, (const unsigned char *)s, (int)n);
	if (m < 0) {
		free(d);
		return -1;
	}
	/* DecodeBlock counts the '=' padding as zero bytes. */
	if (n >= 1 && s[n - 1] == '=')
		m--;
	if (n >= 2 && s[n - 2] == '=')
		m--;
	buf_add(out, d, (size_t)m);
	free(d);
	return 0;
}

int
proto_decode(const char *line, size_t len, struct proto_msg *m, char **errp)
{
	json_error_t je;
	json_t *o, *v;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	buf_init(&m->out, PROTO_LINE_MAX);
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		*errp = xasprintf("not JSON: %s (column %d)", je.text, je.column);
		return -1;
	}
	if (!json_is_object(o)) {
		*errp = xstrdup("not a JSON object");
		goto out;
	}
	m->id = jint(o, "id");
	if (m->id < 0) {
		*errp = xstrdup("negative id");
		goto out;
	}
	if (jstr(o, "hello")) {
		m->type = P_HELLO;
		m->version = jdup(o, "version");
		m->proto = jint(o, "proto");
		if (strcmp(jstr(o, "hello"), "cutover") != 0 || m->version == NULL)
			goto bad;
	} else if ((v = json_object_get(o, "plan"))) {
		m->type = P_PLAN;
		json_t *t = json_object_get(v, "text");
		if (!json_is_object(v) || !json_is_string(t) ||
		    (m->file = jdup(v, "file")) == NULL)
			goto bad;
		m->textlen = json_string_length(t);
		m->text = xmalloc(m->textlen + 1);
		memcpy(m->text, json_string_value(t), m->textlen);
		m->text[m->textlen] = '\0';
		if (jkv(json_object_get(v, "vars"), &m->vars) != 0 ||
		    jkv(json_object_get(v, "env"), &m->env) != 0)
			goto bad;
	} else if (jstr(o, "check")) {
		m->type = P_CHECK;
		m->str = jdup(o, "check");
	} else if ((v = json_object_get(o, "step"))) {
		m->type = P_STEP;
		if (!json_is_object(v) ||
		    jstrs(json_object_get(v, "argv"), &m->argv) != 0 ||
		    jstrs(json_object_get(v, "env"), &m->step_env) != 0)
			goto bad;
		m->shell = jdup(v, "shell");
		m->cwd = jdup(v, "cwd");
		m->timeout_us = jint(v, "timeout_us");
		if ((m->shell == NULL) == (m->argv.n == 0) || m->timeout_us < 0)
			goto bad;
	} else if (json_object_get(o, "go")) {
		m->type = P_GO;
		m->flag = jbool(o, "go");
	} else if (json_object_get(o, "stop")) {
		m->type = P_STOP;
	} else if ((v = json_object_get(o, "kill"))) {
		m->type = P_KILL;
		m->pgid = jint(o, "kill");
		m->sig = (int)jint(o, "sig");
		if (m->pgid <= 1 || m->sig < 0 || m->sig > 64)
			goto bad;
	} else if ((v = json_object_get(o, "alive"))) {
		if (json_is_boolean(v)) {
			m->type = P_ALIVE_ANS;
			m->flag = json_is_true(v);
		} else {
			m->type = P_ALIVE;
			m->pgid = jint(o, "alive");
			if (m->pgid <= 1)
				goto bad;
		}
	} else if ((v = json_object_get(o, "fingerprint"))) {
		m->type = P_FPRINT;
		if (!json_is_object(v) || (m->file = jdup(v, "file")) == NULL ||
		    (m->mac = jdup(v, "mac")) == NULL ||
		    jstrs(json_object_get(v, "keys"), &m->keys) != 0 ||
		    m->keys.n == 0 || !is_hex(m->mac, 64))
			goto bad;
		m->flag = jbool(v, "expand");
	} else if ((v = json_object_get(o, "fingerprints"))) {
		m->type = P_FPRINT_ANS;
		if (!json_is_object(v) || jkv(v, &m->keys) != 0)
			goto bad;
		for (size_t i = 0; i < m->keys.n; i++)
			if (!is_hex(strchr(m->keys.v[i], '=') + 1, 64))
				goto bad;
	} else if (jstr(o, "error")) {
		m->type = P_ERROR;
		m->str = jdup(o, "error");
	} else if (json_object_get(o, "ok")) {
		m->type = P_OK;
	} else if ((v = json_object_get(o, "result"))) {
		m->type = P_RESULT;
		if (decode_result(v, &m->result) != 0)
			goto bad;
	} else if ((v = json_object_get(o, "pgid"))) {
		m->type = P_PGID;
		m->pgid = jint(o, "pgid");
		if (m->pgid <= 1)
			goto bad;
	} else if (jstr(o, "out")) {
		m->type = P_OUT;
		if (decode_b64(jstr(o, "out"), &m->out) != 0)
			goto bad;
	} else if ((v = json_object_get(o, "exit"))) {
		m->type = P_EXIT;
		if (!json_is_object(v))
			goto bad;
		m->code = (int)jint(v, "code");
		m->signal = (int)jint(v, "signal");
		m->timed_out = jbool(v, "timed_out");
		m->stopped = jbool(v, "stopped");
		m->detached = jbool(v, "detached");
		m->spawn_failed = jbool(v, "spawn_failed");
		m->duration_us = jint(v, "duration_us");
	} else {
		*errp = xstrdup("unknown message");
		goto out;
	}
	rc = 0;
	goto out;
bad:
	*errp = xstrdup("malformed message");
out:
	json_decref(o);
	return rc;
}

void
proto_msg_release(struct proto_msg *m)
{
	free(m->version);
	free(m->file);
	free(m->text);
	strlist_release(&m->vars);
	strlist_release(&m->env);
	free(m->str);
	strlist_release(&m->argv);
	free(m->shell);
	strlist_release(&m->step_env);
	free(m->cwd);
	buf_release(&m->out);
	result_release(&m->result);
	strlist_release(&m->keys);
	if (m->mac)
		explicit_bzero(m->mac, strlen(m->mac));
	free(m->mac);
	memset(m, 0, sizeof(*m));
}

/* ---- encoding (agent side: redacted, through the one JSON writer) ---- */

char *
proto_hello(void)
{
	return xasprintf("{\"hello\":\"cutover\",\"proto\":%d,\"version\":\"%s\"}"
	    "\n", HOSTS_PROTO, CUTOVER_VERSION);
}

char *
proto_result(long long id, const struct result *r)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "{\"id\":%lld,\"result\":{", id);
	json_field(&b, "status", status_name(r->status), false);
	json_field(&b, "message", r->message, true);
	json_field(&b, "observed", r->observed, true);
	json_field(&b, "threshold", r->threshold, true);
	json_field(&b, "detail", r->detail, true);
	if (r->unanswered)
		buf_adds(&b, ", \"unanswered\": true");
	if (r->has_value)
		buf_addf(&b, ", \"value\": %.17g", r->value);
	buf_adds(&b, "}}\n");
	return buf_detach(&b);
}

char *
proto_exit(long long id, int code, int sig, bool timed_out, bool stopped,
    bool detached, bool spawn_failed, int64_t dur_us)
{
	return xasprintf("{\"id\":%lld,\"exit\":{\"code\":%d,\"signal\":%d,"
	    "\"timed_out\":%s,\"stopped\":%s,\"detached\":%s,"
	    "\"spawn_failed\":%s,\"duration_us\":%lld}}\n", id, code, sig,
	    timed_out ? "true" : "false", stopped ? "true" : "false",
	    detached ? "true" : "false", spawn_failed ? "true" : "false",
	    (long long)dur_us);
}

char *
proto_out(long long id, const char *data, size_t n)
{
	/* Base64: the step's bytes as they are (not always UTF-8); the
	 * local side redacts them line by line as it does a local step's. */
	char *enc = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)data,
	    (int)n);
	char *s = xasprintf("{\"id\":%lld,\"out\":\"%s\"}\n", id, enc);
	free(enc);
	return s;
}

char *
proto_fprints(long long id, const struct strlist *kv)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "{\"id\":%lld,\"fingerprints\":{", id);
	for (size_t i = 0; i < kv->n; i++) {
		char *k = xstrdup(kv->v[i]), *eq = strchr(k, '=');
		*eq = '\0';
		json_field(&b, k, eq + 1, i > 0);
		free(k);
	}
	buf_adds(&b, "}}\n");
	return buf_detach(&b);
}

char *
proto_num(long long id, const char *key, long long v)
{
	return xasprintf("{\"id\":%lld,\"%s\":%lld}\n", id, key, v);
}

char *
proto_bool(long long id, const char *key, bool v)
{
	return xasprintf("{\"id\":%lld,\"%s\":%s}\n", id, key, v ? "true" :
	    "false");
}

char *
proto_str(long long id, const char *key, const char *s)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "{\"id\":%lld,", id);
	json_field(&b, key, s, false);
	buf_adds(&b, "}\n");
	return buf_detach(&b);
}

/* ---- lines ---------------------------------------------------------- */

int
lread_line(struct lread *lr, int64_t deadline_us, char **line, size_t *len)
{
	if (lr->skip) {
		memmove(lr->buf, lr->buf + lr->skip, lr->len - lr->skip);
		lr->len -= lr->skip;
		lr->skip = 0;
	}
	for (;;) {
		char *nl = lr->len ? memchr(lr->buf, '\n', lr->len) : NULL;
		if (nl) {
			*nl = '\0';
			lr->skip = (size_t)(nl - lr->buf) + 1;
			*line = lr->buf;
			*len = (size_t)(nl - lr->buf);
			return 1;
		}
		if (lr->eof)
			return 0;
		if (lr->len >= PROTO_LINE_MAX)
			return -1;
		if (deadline_us) {
			int64_t left = deadline_us - now_mono_us();
			if (left <= 0)
				return -2;
			struct pollfd pf = { .fd = lr->fd, .events = POLLIN };
			int pr = poll(&pf, 1, (int)(left / 1000 + 1));
			if (pr < 0 && errno != EINTR)
				return -1;
			if (pr <= 0)
				continue;
		}
		if (lr->cap - lr->len < 65536) {
			lr->cap = lr->cap ? lr->cap * 2 : 131072;
			lr->buf = xrealloc(lr->buf, lr->cap);
		}
		ssize_t n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			lr->eof = true;
		lr->len += (size_t)n;
	}
}

void
lread_release(struct lread *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	lr->len = lr->cap = lr->skip = 0;
}

int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}
