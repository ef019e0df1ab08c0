/* plan_include.c - `include:` in plans; see plan_include.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "lib/xmalloc.h"
#include "lib/yamldoc.h"
#include "plan_include.h"

#define INC_MAX_BYTES	(16u << 20)	/* as a plan */
#define INC_MAX_DEPTH	16		/* a.yml includes b.yml includes ... */
#define INC_MAX_FILES	256

/* What an included file may hold: what is shared between plans. */
static const char *const inc_keys[] = { "include", "vars", "targets",
	"checks", "risks", NULL };

struct ictx {
	yaml_document_t	*doc;		/* the plan's: everything lands here */
	struct plan_inc	*inc;
	struct buf	*errs;
	size_t		*nerrs;
	struct strlist	 stack;		/* real paths being included */
	struct strlist	 seen;		/* real paths merged */
};

static void
err_at(struct ictx *x, const char *file, yaml_mark_t m, const char *fmt,
    const char *a, const char *b)
{
	buf_addf(x->errs, "%s:%zu:%zu: ", file, m.line + 1, m.column + 1);
	buf_addf(x->errs, fmt, a ? a : "", b ? b : "");
	buf_addc(x->errs, '\n');
	(*x->nerrs)++;
}

/* Copy node n of src into x->doc; its index there, 0 on failure. */
static int
copy_node(struct ictx *x, yaml_document_t *src, yaml_node_t *n)
{
	int id = 0;

	switch (n->type) {
	case YAML_SCALAR_NODE:
		id = yaml_document_add_scalar(x->doc, NULL, n->data.scalar.value,
		    (int)n->data.scalar.length, n->data.scalar.style);
		break;
	case YAML_SEQUENCE_NODE: {
		id = yaml_document_add_sequence(x->doc, NULL,
		    n->data.sequence.style);
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		    id && i < n->data.sequence.items.top; i++) {
			int c = copy_node(x, src, yaml_document_get_node(src, *i));
			if (!c || !yaml_document_append_sequence_item(x->doc, id,
			    c))
				return 0;
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		id = yaml_document_add_mapping(x->doc, NULL,
		    n->data.mapping.style);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		    id && p < n->data.mapping.pairs.top; p++) {
			int k = copy_node(x, src, yaml_document_get_node(src,
			    p->key));
			int v = k ? copy_node(x, src, yaml_document_get_node(src,
			    p->value)) : 0;
			if (!v || !yaml_document_append_mapping_pair(x->doc, id, k,
			    v))
				return 0;
		}
		break;
	}
	default:
		return 0;
	}
	if (id) {
		/* Where it was written, for every later error. */
		yaml_node_t *c = yaml_document_get_node(x->doc, id);
		c->start_mark = n->start_mark;
		c->end_mark = n->end_mark;
	}
	return id;
}

static const char *
scalar_of(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping node index map of doc, or 0. */
static int
get_pair(yaml_document_t *doc, int map, const char *key)
{
	yaml_node_t *m = yaml_document_get_node(doc, map);
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		const char *k = scalar_of(yaml_document_get_node(doc, p->key));
		if (k && strcmp(k, key) == 0)
			return p->value;
	}
	return 0;
}

static void include_file(struct ictx *x, const char *from, const char *dir,
    yaml_node_t *at, const char *path);

/* Merge key's value v (in src, from file) into the plan's root. */
static void
merge(struct ictx *x, yaml_document_t *src, const char *file, const char *key,
    yaml_node_t *kn, yaml_node_t *v)
{
	int root = 1;	/* libyaml: the root is the first node */
	int have = get_pair(x->doc, root, key);
	bool seq = v->type == YAML_SEQUENCE_NODE;

	if (v->type != YAML_SEQUENCE_NODE && v->type != YAML_MAPPING_NODE) {
		err_at(x, file, v->start_mark, "'%s' must be a %s", key,
		    strcmp(key, "checks") == 0 || strcmp(key, "risks") == 0 ?
		    "list" : "map");
		return;
	}
	if (have == 0) {
		int k = yaml_document_add_scalar(x->doc, NULL,
		    (yaml_char_t *)key, -1, YAML_PLAIN_SCALAR_STYLE);
		have = seq ? yaml_document_add_sequence(x->doc, NULL,
		    YAML_BLOCK_SEQUENCE_STYLE) : yaml_document_add_mapping(x->doc,
		    NULL, YAML_BLOCK_MAPPING_STYLE);
		yaml_node_t *kk = yaml_document_get_node(x->doc, k);
		kk->start_mark = kk->end_mark = kn->start_mark;
		yaml_node_t *hh = yaml_document_get_node(x->doc, have);
		hh->start_mark = hh->end_mark = v->start_mark;
		yaml_document_append_mapping_pair(x->doc, root, k, have);
	}
	yaml_node_t *h = yaml_document_get_node(x->doc, have);
	if (h->type != v->type) {
		err_at(x, file, v->start_mark, "'%s' is a %s here but not in "
		    "the plan", key, seq ? "list" : "map");
		return;
	}
	if (seq) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		    i < v->data.sequence.items.top; i++) {
			int c = copy_node(x, src, yaml_document_get_node(src, *i));
			if (c)
				yaml_document_append_sequence_item(x->doc, have, c);
		}
		return;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	    p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(src, p->key);
		const char *name = scalar_of(k);
		if (name && get_pair(x->doc, have, name)) {
			err_at(x, file, k->start_mark, "'%s' in '%s' is defined "
			    "twice (the plan or another included file has it)",
			    name, key);
			continue;
		}
		int kc = copy_node(x, src, k);
		int vc = kc ? copy_node(x, src, yaml_document_get_node(src,
		    p->value)) : 0;
		if (vc)
			yaml_document_append_mapping_pair(x->doc, have, kc, vc);
	}
}

/* The include list of a root node in src (from file) processed. */
static void
includes_of(struct ictx *x, yaml_document_t *src, yaml_node_t *root,
    const char *file, const char *dir)
{
	yaml_node_t *v = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		const char *k = scalar_of(yaml_document_get_node(src, p->key));
		if (k && strcmp(k, "include") == 0)
			v = yaml_document_get_node(src, p->value);
	}
	if (v == NULL)
		return;
	if (v->type == YAML_SCALAR_NODE) {
		include_file(x, file, dir, v, scalar_of(v));
		return;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		err_at(x, file, v->start_mark, "'include' must be a file or a "
		    "list of files%s%s", NULL, NULL);
		return;
	}
	/* Copied first: merging may move src's node array (the plan's). */
	size_t n = (size_t)(v->data.sequence.items.top -
	    v->data.sequence.items.start);
	int *items = xcalloc(n + 1, sizeof(*items));
	memcpy(items, v->data.sequence.items.start, n * sizeof(*items));
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = yaml_document_get_node(src, items[i]);
		if (scalar_of(it) == NULL || *scalar_of(it) == '\0') {
			err_at(x, file, it->start_mark, "'include' items must be "
			    "file names%s%s", NULL, NULL);
			continue;
		}
		char *path = xstrdup(scalar_of(it));
		yaml_mark_t m = it->start_mark;
		yaml_node_t at = { .start_mark = m };
		include_file(x, file, dir, &at, path);
		free(path);
	}
	free(items);
}

static void
include_file(struct ictx *x, const char *from, const char *dir,
    yaml_node_t *at, const char *path)
{
	yaml_mark_t m = at->start_mark;
	char *full = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir,
	    path);
	char real[PATH_MAX];
	int fd = -1;
	struct stat st;

	if (x->stack.n >= INC_MAX_DEPTH || x->seen.n >= INC_MAX_FILES) {
		err_at(x, from, m, "include '%s': more than %s files deep or "
		    "many", path, "16 / 256");
		goto out;
	}
	if (realpath(full, real) == NULL ||
	    (fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) != 0) {
		err_at(x, from, m, "include '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)INC_MAX_BYTES) {
		err_at(x, from, m, "include '%s': %s", path, S_ISREG(st.st_mode) ?
		    "larger than 16 MiB" : "not a regular file");
		goto out;
	}
	if (strlist_has(&x->stack, real)) {
		err_at(x, from, m, "include '%s': a cycle (it is already being "
		    "included)%s", path, NULL);
		goto out;
	}
	if (strlist_has(&x->seen, real))
		goto out;	/* merged once: a diamond is not a conflict */
	strlist_push(&x->seen, real);

	struct buf data = BUF_INIT;
	char chunk[65536];
	ssize_t r;
	while ((r = read(fd, chunk, sizeof(chunk))) > 0 &&
	    data.len + (size_t)r <= INC_MAX_BYTES)
		buf_add(&data, chunk, (size_t)r);
	buf_add(&x->inc->bytes, data.s ? data.s : "", data.len);

	/* Named as the user would: beside the including file's name. */
	char *ft = xstrdup(from);
	const char *fd_ = dirname(ft);
	char *name = path[0] == '/' || strcmp(fd_, ".") == 0 ? xstrdup(path) :
	    xasprintf("%s/%s", fd_, path);
	free(ft);
	yaml_parser_t parser;
	yaml_document_t src;
	struct yamldoc_err ye;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)
	    (data.s ? data.s : ""), data.len);
	if (yamldoc_load(&parser, &src, YAMLDOC_MAX_DEPTH, &ye) != 0) {
		buf_addf(x->errs, "%s:%zu:%zu: ", name, ye.mark.line + 1,
		    ye.mark.column + 1);
		if (ye.too_deep)
			buf_addf(x->errs, "nested deeper than %d levels\n",
			    YAMLDOC_MAX_DEPTH);
		else
			buf_addf(x->errs, "%s\n", ye.problem);
		(*x->nerrs)++;
		yaml_parser_delete(&parser);
		buf_release(&data);
		free(name);
		goto out;
	}
	yaml_parser_delete(&parser);
	buf_release(&data);
	yaml_node_t *root = yaml_document_get_root_node(&src);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		yaml_mark_t z = root ? root->start_mark : (yaml_mark_t){ 0 };
		err_at(x, name, z, "an included file must be a map of %s%s",
		    "include, vars, targets, checks, risks", NULL);
		yaml_document_delete(&src);
		free(name);
		goto out;
	}
	strlist_push(&x->stack, real);
	char *tmp = xstrdup(real);
	char *sub = xstrdup(dirname(tmp));
	free(tmp);
	includes_of(x, &src, root, name, sub);
	free(sub);
	int first = (int)(x->doc->nodes.top - x->doc->nodes.start) + 1;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&src, p->key);
		const char *key = scalar_of(k);
		bool ok = false;
		for (size_t i = 0; key && inc_keys[i]; i++)
			ok |= strcmp(key, inc_keys[i]) == 0;
		if (!ok) {
			err_at(x, name, k->start_mark, "'%s' cannot come from an "
			    "included file (it may hold %s)", key ? key : "?",
			    "include, vars, targets, checks, risks");
			continue;
		}
		if (strcmp(key, "include") != 0)
			merge(x, &src, name, key, k, yaml_document_get_node(&src,
			    p->value));
	}
	int last = (int)(x->doc->nodes.top - x->doc->nodes.start);
	if (last >= first) {
		x->inc->v = xreallocarray(x->inc->v, x->inc->n + 1,
		    sizeof(*x->inc->v));
		x->inc->v[x->inc->n++] = (struct inc_span){ first, last, name };
	} else {
		free(name);
	}
	x->stack.n--;
	free(x->stack.v[x->stack.n]);
	yaml_document_delete(&src);
out:
	if (fd >= 0)
		close(fd);
	free(full);
}

void
plan_include(yaml_document_t *doc, const char *name, const char *dir,
    struct plan_inc *inc, struct buf *errs, size_t *nerrs)
{
	struct ictx x = { .doc = doc, .inc = inc, .errs = errs, .nerrs = nerrs };
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return;
	includes_of(&x, doc, root, name, dir ? dir : ".");
	strlist_release(&x.stack);
	strlist_release(&x.seen);
}

const char *
plan_include_file(const struct plan_inc *inc, int idx)
{
	for (size_t i = 0; inc && i < inc->n; i++)
		if (idx >= inc->v[i].first && idx <= inc->v[i].last)
			return inc->v[i].file;
	return NULL;
}

void
plan_include_release(struct plan_inc *inc)
{
	for (size_t i = 0; i < inc->n; i++)
		free(inc->v[i].file);
	free(inc->v);
	buf_release(&inc->bytes);
	*inc = (struct plan_inc){ 0 };
}
