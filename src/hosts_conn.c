/* hosts_conn.c - opening an agent connection (see hosts_conn.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hosts_conn.h"
#include "lib/redact.h"
#include "lib/xmalloc.h"

int
conn_send(struct conn *c, json_t *o)
{
	char *s;
	int rc;

	if (o == NULL)
		return -1;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	size_t n = strlen(s);
	s = realloc(s, n + 2);
	if (s == NULL)
		return -1;
	s[n] = '\n';
	s[n + 1] = '\0';
	rc = write_all(c->sp.in, s, n + 1);
	/* The line may hold secrets: do not leave them in freed memory. */
	explicit_bzero(s, n);
	free(s);
	return rc;
}

/* The last non-empty line ssh or the remote shell wrote on stderr. */
static char *
last_err_line(struct conn *c)
{
	char b[8192];
	size_t len = 0;
	ssize_t n;

	if (c->sp.err < 0)
		return NULL;
	fcntl(c->sp.err, F_SETFL, O_NONBLOCK);
	while ((n = read(c->sp.err, b + len, sizeof(b) - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof(b) - 1) {
			/* Keep the tail: the last line is what matters. */
			memmove(b, b + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	b[len] = '\0';
	while (len && (b[len - 1] == '\n' || b[len - 1] == '\r'))
		b[--len] = '\0';
	if (len == 0)
		return NULL;
	char *nl = strrchr(b, '\n');
	char *line = nl ? nl + 1 : b;
	for (char *q = line; *q; q++)
		if ((unsigned char)*q < 0x20)
			*q = ' ';
	return redact(line);
}

char *
conn_failure(struct conn *c, const char *doing)
{
	const struct host *h = c->host;
	/* Give ssh a moment to exit after its last words. */
	int st = ssh_reap(&c->sp, 2000000);
	char *line = last_err_line(c);
	char *m;

	if (st == 255)
		m = xasprintf("host %s (%s): ssh failed %s: %s", h->id, h->ssh,
		    doing, line ? line : "no message");
	else if (st == 127 || st == 126)
		m = xasprintf("host %s (%s): no cutover at '%s' there (%s): "
		    "install it (README, Hosts)", h->id, h->ssh,
		    h->cutover ? h->cutover : "cutover",
		    line ? line : "command not found");
	else if (st >= 0)
		m = xasprintf("host %s (%s): the remote cutover ended %s "
		    "(status %d)%s%s", h->id, h->ssh, doing, st, line ? ": " :
		    "", line ? line : "");
	else
		m = xasprintf("host %s (%s): connection lost %s%s%s", h->id,
		    h->ssh, doing, line ? ": " : "", line ? line : "");
	free(line);
	return m;
}

/* The next answer line before deadline, decoded; -1 with *errp. */
static int
read_msg(struct conn *c, int64_t deadline_us, struct proto_msg *m,
    const char *doing, char **errp)
{
	char *line, *e = NULL;
	size_t len;
	int rc = lread_line(&c->lr, deadline_us, &line, &len);

	memset(m, 0, sizeof(*m));
	if (rc == -2) {
		*errp = xasprintf("host %s (%s): no answer in time %s",
		    c->host->id, c->host->ssh, doing);
		return -1;
	}
	if (rc != 1) {
		*errp = conn_failure(c, doing);
		return -1;
	}
	if (proto_decode(line, len, m, &e) != 0) {
		*errp = xasprintf("host %s: the remote cutover sent a bad answer "
		    "%s: %s", c->host->id, doing, e);
		free(e);
		return -1;
	}
	if (m->type == P_ERROR) {
		*errp = xasprintf("host %s: %s", c->host->id, m->str);
		return -1;
	}
	return 0;
}

static json_t *
plan_msg(const struct plan *p, char **errp)
{
	json_t *vars = json_object(), *env = json_object();
	char *abs = realpath(p->file, NULL);

	for (size_t i = 0; i < p->nvars; i++) {
		json_t *s = json_string(p->vars[i].value);
		if (s == NULL)
			goto notutf8;
		json_object_set_new(vars, p->vars[i].key, s);
	}
	for (size_t i = 0; i < p->env_read.n; i++) {
		const char *v = getenv(p->env_read.v[i]);
		if (v == NULL)
			continue;
		json_t *s = json_string(v);
		if (s == NULL)
			goto notutf8;
		json_object_set_new(env, p->env_read.v[i], s);
	}
	json_t *t = json_stringn(p->text, p->textlen);
	if (t == NULL)
		goto notutf8;
	json_t *o = json_pack("{s:{s:s,s:o,s:o,s:o}}", "plan", "file",
	    abs ? abs : p->file, "text", t, "vars", vars, "env", env);
	free(abs);
	return o;
notutf8:
	*errp = xstrdup("the plan, a var or an environment variable it reads "
	    "is not valid UTF-8: it cannot be sent to a host");
	json_decref(vars);
	json_decref(env);
	free(abs);
	return NULL;
}

int
conn_open(struct conn *c, const struct plan *p, const struct host *h,
    int64_t deadline_us, char **errp)
{
	const char *remote[] = { h->cutover ? h->cutover : "cutover", "agent",
	    NULL };
	struct ssh_dest d = {
		.dest = h->ssh, .port = h->port, .identity = h->identity,
		.jump = h->jump, .options = &h->options,
	};
	struct proto_msg m;
	char *e = NULL;
	int64_t left = deadline_us - now_mono_us();

	memset(c, 0, sizeof(*c));
	c->host = h;
	c->sp.in = c->sp.out = c->sp.err = -1;
	if (left <= 0) {
		*errp = xasprintf("host %s: no time left to connect", h->id);
		return -1;
	}
	if (ssh_spawn(&d, remote, (int)((left + 999999) / 1000000), &c->sp,
	    &e) != 0) {
		*errp = xasprintf("host %s: %s", h->id, e);
		free(e);
		return -1;
	}
	c->lr.fd = c->sp.out;
	if (conn_send(c, json_pack("{s:s,s:i,s:s}", "hello", "cutover",
	    "proto", HOSTS_PROTO, "version", CUTOVER_VERSION)) != 0) {
		*errp = conn_failure(c, "connecting");
		goto fail;
	}
	if (read_msg(c, deadline_us, &m, "connecting", errp) != 0)
		goto failm;
	if (m.type != P_HELLO) {
		*errp = xasprintf("host %s: the remote cutover did not answer "
		    "the hello", h->id);
		goto failm;
	}
	if (m.proto != HOSTS_PROTO || strcmp(m.version, CUTOVER_VERSION) != 0) {
		*errp = xasprintf("host %s: it runs cutover %s (protocol %lld), "
		    "this is %s (protocol %d): install the same version there",
		    h->id, m.version, m.proto, CUTOVER_VERSION, HOSTS_PROTO);
		goto failm;
	}
	c->version = m.version;
	m.version = NULL;
	proto_msg_release(&m);
	json_t *pm = plan_msg(p, errp);
	if (pm == NULL)
		goto fail;
	if (conn_send(c, pm) != 0) {
		*errp = conn_failure(c, "sending the plan");
		goto fail;
	}
	if (read_msg(c, deadline_us, &m, "loading the plan", errp) != 0)
		goto failm;
	if (m.type != P_OK) {
		*errp = xasprintf("host %s: unexpected answer to the plan", h->id);
		goto failm;
	}
	proto_msg_release(&m);
	return 0;
failm:
	proto_msg_release(&m);
fail:
	conn_close(c);
	return -1;
}

void
conn_close(struct conn *c)
{
	ssh_close(&c->sp);
	lread_release(&c->lr);
	free(c->version);
	c->version = NULL;
}
