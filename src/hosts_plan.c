/*
 * hosts_plan.c - the plan's `hosts:` map and `on:` references.
 *
 *   hosts:
 *     vps2: { ssh: root@10.132.0.11, port: 2222, identity: ~/.ssh/mig,
 *             jump: bastion, cutover: /usr/local/bin/cutover,
 *             options: { ConnectTimeout: 5 } }
 *
 * `local` names the machine cutover runs on and cannot be defined.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "hosts.h"
#include "lib/xmalloc.h"

static const char *const host_keys[] = {
	"ssh", "port", "identity", "jump", "cutover", "options", NULL
};

static bool
host_id_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/*
 * A value handed to ssh as one argument: a leading '-' would read as an
 * option, a control character has no business in an address or a path.
 */
static bool
arg_ok(const char *s)
{
	if (*s == '-' || *s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static char *
host_str(struct pctx *cx, yaml_node_t *map, const char *key, bool required)
{
	yaml_node_t *n = pn_get(cx, map, key);
	char *v;

	if (n == NULL) {
		if (required)
			pn_error(cx, map, "missing '%s' (the address ssh takes, "
			    "[user@]host)", key);
		return NULL;
	}
	if ((v = pn_str(cx, n, key)) == NULL)
		return NULL;
	if (!arg_ok(v)) {
		pn_error(cx, n, "'%s' must not be empty, start with '-' or hold "
		    "control characters", key);
		free(v);
		return NULL;
	}
	return v;
}

void
hosts_parse(struct pctx *cx, yaml_node_t *n)
{
	struct plan *p = pn_plan(cx);

	if (n == NULL)
		return;
	if (!pn_is_map(n)) {
		pn_error(cx, n, "'hosts' must be a map of host names to {ssh: "
		    "[user@]address, ...}");
		return;
	}
	pn_keys(cx, n, NULL, "hosts");		/* duplicates */
	p->hosts = xcalloc(pn_map_len(n) + 1, sizeof(*p->hosts));
	for (size_t i = 0; i < pn_map_len(n); i++) {
		yaml_node_t *hn;
		const char *id = pn_map_key(cx, n, i, &hn);

		if (id == NULL)
			continue;
		if (strcmp(id, "local") == 0) {
			pn_error(cx, hn, "host name 'local' is reserved: it is the "
			    "machine cutover runs on");
			continue;
		}
		if (!host_id_ok(id)) {
			pn_error(cx, hn, "host name '%s' may contain only letters, "
			    "digits, '.', '_' and '-'", id);
			continue;
		}
		if (!pn_is_map(hn)) {
			pn_error(cx, hn, "host '%s' must be a map with 'ssh'", id);
			continue;
		}
		pn_keys(cx, hn, host_keys, "host");
		struct host *h = &p->hosts[p->nhosts++];
		h->id = xstrdup(id);
		h->line = (int)hn->start_mark.line + 1;
		h->col = (int)hn->start_mark.column + 1;
		h->ssh = host_str(cx, hn, "ssh", true);
		h->identity = host_str(cx, hn, "identity", false);
		h->jump = host_str(cx, hn, "jump", false);
		h->cutover = host_str(cx, hn, "cutover", false);
		long long port = 0;
		pn_int(cx, pn_get(cx, hn, "port"), "port", 1, 65535, &port);
		h->port = (int)port;
		yaml_node_t *on = pn_get(cx, hn, "options");
		struct kv *kv = NULL;
		size_t nkv = 0;
		if (on && pn_kvmap(cx, on, "options", &kv, &nkv) == 0) {
			for (size_t j = 0; j < nkv; j++) {
				if (!arg_ok(kv[j].key) || strchr(kv[j].key, '=') ||
				    strchr(kv[j].value, '\n'))
					pn_error(cx, on, "ssh option '%s' is not a "
					    "valid option name", kv[j].key);
				else
					strlist_push_owned(&h->options, xasprintf(
					    "%s=%s", kv[j].key, kv[j].value));
			}
		}
		for (size_t j = 0; j < nkv; j++) {
			free(kv[j].key);
			free(kv[j].value);
		}
		free(kv);
	}
}

const struct host *
plan_host(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (strcmp(p->hosts[i].id, id) == 0)
			return &p->hosts[i];
	return NULL;
}

const struct host *
hosts_ref(struct pctx *cx, yaml_node_t *on, const struct host *dflt)
{
	const struct plan *p = pn_plan(cx);
	const struct host *h;
	char *id;

	if (on == NULL)
		return dflt;
	if ((id = pn_str(cx, on, "on")) == NULL)
		return dflt;
	if (strcmp(id, "local") == 0) {
		free(id);
		return NULL;
	}
	if ((h = plan_host(p, id)) != NULL) {
		free(id);
		return h;
	}
	const char **names = xcalloc(p->nhosts + 2, sizeof(*names));
	for (size_t i = 0; i < p->nhosts; i++)
		names[i] = p->hosts[i].id;
	names[p->nhosts] = "local";
	const char *near = nearest(id, names, p->nhosts + 1);
	if (near)
		pn_error(cx, on, "'on' names unknown host '%s' (did you mean "
		    "'%s'?)", id, near);
	else if (p->nhosts == 0)
		pn_error(cx, on, "'on' names host '%s', but the plan has no "
		    "'hosts:'", id);
	else
		pn_error(cx, on, "'on' names unknown host '%s' (hosts: local "
		    "and those under 'hosts:')", id);
	free(names);
	free(id);
	return dflt;
}

void
hosts_free(struct host *h, size_t n)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(h[i].id);
		free(h[i].ssh);
		free(h[i].identity);
		free(h[i].jump);
		free(h[i].cutover);
		strlist_release(&h[i].options);
	}
	free(h);
}
