/*
 * manifest.c - kind `manifest`: every file a backup manifest lists is
 * there, the same size, the same hash, and complete (manifest.h).
 * Extra files in a directory the manifest was made from fail too: a
 * restore that picks them up would not be the backup that was checked.
 */
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../lib/util.h"
#include "../lib/buf.h"
#include "../lib/error.h"
#include "../lib/hash.h"
#include "../lib/units.h"
#include "../lib/xmalloc.h"
#include "../manifest.h"

struct manifest_conf {
	char	*file;
	bool	 content;
	int	 algo;
};

static const char *const keys[] = { "file", "content", "algo", NULL };

static int
manifest_parse(struct pctx *cx, yaml_node_t *map, struct check *c)
{
	struct manifest_conf *m = xcalloc(1, sizeof(*m));
	int rc = 0;

	c->priv = m;
	m->content = true;
	m->algo = -1;
	/* Its work grows with the backup: not the 10 s of a probe. */
	if (pn_get(cx, map, "timeout") == NULL)
		c->timeout_us = CHECK_BULK_TIMEOUT;
	m->file = pn_req_str(cx, map, "file");
	rc |= pn_bool(cx, pn_get(cx, map, "content"), "content", &m->content);
	yaml_node_t *an = pn_get(cx, map, "algo");
	char *a = pn_str(cx, an, "algo");
	if (a && (m->algo = hash_algo_find(a)) < 0) {
		pn_error(cx, an, "'algo' must be sha256, xxh128, md5, sha1 or "
		    "sha512 (got '%s')", a);
		rc = -1;
	}
	free(a);
	return m->file ? rc : -1;
}

static void
manifest_run(const struct check *c, struct result *r)
{
	const struct manifest_conf *m = c->priv;
	struct mf_opts o = { .algo = m->algo, .content = m->content };
	struct mf_report rep;
	char *e = NULL;

	/* Stop hashing a little before the runner gives up on us. */
	if (c->timeout_us > 0)
		o.deadline_us = now_mono_us() + c->timeout_us;
	if (manifest_verify(m->file, &o, &rep, &e) != 0) {
		result_observed(r, "unreadable");
		result_set(r, ST_FAIL, "%s", e);
		free(e);
		return;
	}
	size_t nfiles = rep.nok + rep.nfail;
	char *sz = fmt_size(rep.bytes);
	if (rep.timed_out) {
		/* As `file` does: how far it got, of how much. */
		char *t = fmt_duration(c->timeout_us);
		char *rd = fmt_size(rep.bytes_read);
		char *all = fmt_size(rep.bytes_total);
		result_observed(r, "%s of %s", rd, all);
		result_threshold(r, "hashed within %s", t);
		result_set(r, ST_FAIL, "hashing timed out after %s (%s of %s "
		    "read; %zu of %zu files hashed)", t, rd, all, rep.nhashed,
		    rep.nto_hash);
		free(t);
		free(rd);
		free(all);
		free(sz);
		mf_report_release(&rep);
		return;
	}
	result_observed(r, "%zu/%zu ok, %zu extra", rep.nok, nfiles,
	    rep.nextra);
	result_threshold(r, "all %s match%s, no extra files",
	    hash_algo_name(rep.algo), m->content ? ", content complete" : "");
	r->has_value = true;
	r->value = (double)(rep.nfail + rep.nextra);
	if (rep.nfail == 0 && rep.nextra == 0) {
		result_set(r, ST_PASS, "%zu file%s intact (%s, %s)", nfiles,
		    PLURAL(nfiles), hash_algo_name(rep.algo), sz);
	} else {
		struct buf b = BUF_INIT, d = BUF_INIT;
		size_t shown = 0;
		for (size_t i = 0; i < rep.n; i++) {
			const struct mf_result *x = &rep.v[i];
			if (x->state == MF_OK)
				continue;
			buf_addf(&d, "%s: %s%s%s\n", x->path,
			    mf_state_name(x->state), x->detail ? ": " : "",
			    x->detail ? x->detail : "");
			if (shown++ < 3)
				buf_addf(&b, "%s%s %s", shown > 1 ? "; " : "",
				    x->path, mf_state_name(x->state));
		}
		if (shown > 3)
			buf_addf(&b, "; and %zu more", shown - 3);
		result_set(r, ST_FAIL, "%zu of %zu files failed, %zu extra: %s",
		    rep.nfail, nfiles, rep.nextra, b.s);
		result_detail(r, "%s", d.s);
		buf_release(&b);
		buf_release(&d);
	}
	free(sz);
	mf_report_release(&rep);
}

static void
manifest_free(void *p)
{
	struct manifest_conf *m = p;

	free(m->file);
	free(m);
}

const struct check_kind check_manifest = {
	.name = "manifest",
	.summary = "a backup manifest verifies: hashes, sizes, complete content",
	.keys = keys,
	.parse = manifest_parse,
	.run = manifest_run,
	.free = manifest_free,
	.value = "files failing or extra",
};
