/*
 * yamldoc.c - libyaml's document, composed from its events in one pass.
 *
 * The composition is the one libyaml's loader does (default tags for
 * untagged nodes, anchors and aliases sharing one node, marks on every
 * node), with an explicit stack instead of recursion.  Two differences,
 * both refusals: nesting deeper than the caller's bound, and an alias
 * inside the collection its anchor names (libyaml builds a cycle, and a
 * walk of such a document never ends).
 */
#include <limits.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "xmalloc.h"
#include "yamldoc.h"

struct frame {
	int		 node;
	int		 key;		/* a mapping's key awaiting its value */
	const char	*anchor;	/* the collection's own, or NULL */
};

struct anchor {
	char		*name;
	int		 node;
};

struct comp {
	yaml_document_t	*doc;
	struct frame	*stack;
	size_t		 depth, cap;
	void		*anchors;	/* tsearch tree of struct anchor */
	struct yamldoc_err *e;
};

static int
anchor_cmp(const void *a, const void *b)
{
	return strcmp(((const struct anchor *)a)->name,
	    ((const struct anchor *)b)->name);
}

static void
anchor_free(void *a)
{
	free(((struct anchor *)a)->name);
	free(a);
}

static int
fail(struct comp *c, const char *problem, yaml_mark_t mark)
{
	c->e->problem = problem;
	c->e->context = NULL;
	c->e->mark = mark;
	return -1;
}

static const yaml_char_t *
tag_of(const yaml_char_t *tag)
{
	/* "!" alone is the non-specific tag: the default, as libyaml does. */
	return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

/* A finished node: its anchor, its place in its parent. */
static int
place(struct comp *c, int node, const yaml_char_t *anchor)
{
	yaml_node_t *n = yaml_document_get_node(c->doc, node);

	if (anchor) {
		struct anchor *a = xmalloc(sizeof(*a));
		a->name = xstrdup((const char *)anchor);
		a->node = node;
		struct anchor **at = tsearch(a, &c->anchors, anchor_cmp);
		if (at == NULL)
			die(1, "out of memory");
		if (*at != a) {
			anchor_free(a);
			return fail(c, "found duplicate anchor", n->start_mark);
		}
	}
	if (c->depth == 0)
		return 0;
	struct frame *f = &c->stack[c->depth - 1];
	if (yaml_document_get_node(c->doc, f->node)->type ==
	    YAML_SEQUENCE_NODE) {
		if (!yaml_document_append_sequence_item(c->doc, f->node, node))
			die(1, "out of memory");
	} else if (f->key == 0) {
		f->key = node;
	} else {
		if (!yaml_document_append_mapping_pair(c->doc, f->node, f->key,
		    node))
			die(1, "out of memory");
		f->key = 0;
	}
	return 0;
}

static int
alias(struct comp *c, const yaml_event_t *ev)
{
	struct anchor k = { (char *)ev->data.alias.anchor, 0 };
	struct anchor **at = tfind(&k, &c->anchors, anchor_cmp);

	if (at)
		return place(c, (*at)->node, NULL);
	for (size_t i = 0; i < c->depth; i++)
		if (c->stack[i].anchor && strcmp(c->stack[i].anchor,
		    (const char *)ev->data.alias.anchor) == 0)
			return fail(c, "an alias inside the collection its "
			    "anchor names (a cycle)", ev->start_mark);
	return fail(c, "found undefined alias", ev->start_mark);
}

/* Node ids are 1-based; a new node's marks start at its event. */
static int
added(struct comp *c, int node, const yaml_event_t *ev)
{
	if (node == 0)
		die(1, "out of memory");
	yaml_node_t *n = yaml_document_get_node(c->doc, node);
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	return node;
}

static int
open_coll(struct comp *c, const yaml_event_t *ev, int max_depth)
{
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	int node;

	if (c->depth >= (size_t)max_depth) {
		c->e->too_deep = true;
		return fail(c, "nested too deep", ev->start_mark);
	}
	if (seq)
		node = yaml_document_add_sequence(c->doc,
		    tag_of(ev->data.sequence_start.tag),
		    ev->data.sequence_start.style);
	else
		node = yaml_document_add_mapping(c->doc,
		    tag_of(ev->data.mapping_start.tag),
		    ev->data.mapping_start.style);
	added(c, node, ev);
	if (c->depth == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->stack = xreallocarray(c->stack, c->cap, sizeof(*c->stack));
	}
	const yaml_char_t *a = seq ? ev->data.sequence_start.anchor :
	    ev->data.mapping_start.anchor;
	c->stack[c->depth++] = (struct frame){ node, 0,
	    a ? xstrdup((const char *)a) : NULL };
	return 0;
}

static int
close_coll(struct comp *c, const yaml_event_t *ev)
{
	struct frame f = c->stack[--c->depth];

	yaml_document_get_node(c->doc, f.node)->end_mark = ev->end_mark;
	int rc = place(c, f.node, (const yaml_char_t *)f.anchor);

	free((char *)f.anchor);
	return rc;
}

static int
scalar(struct comp *c, const yaml_event_t *ev)
{
	if (ev->data.scalar.length > INT_MAX)
		return fail(c, "a value larger than 2 GiB", ev->start_mark);
	int node = added(c, yaml_document_add_scalar(c->doc,
	    tag_of(ev->data.scalar.tag), ev->data.scalar.value,
	    (int)ev->data.scalar.length, ev->data.scalar.style), ev);
	return place(c, node, ev->data.scalar.anchor);
}

int
yamldoc_load(yaml_parser_t *parser, yaml_document_t *doc, int max_depth,
    struct yamldoc_err *e)
{
	yaml_document_t d;
	struct comp c = { .doc = &d, .e = e };
	bool have_doc = false, done = false;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	while (!done && rc == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(parser, &ev)) {
			e->problem = parser->problem ? parser->problem :
			    "invalid YAML";
			e->context = parser->context;
			e->mark = parser->problem_mark;
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (!yaml_document_initialize(&d,
			    ev.data.document_start.version_directive,
			    ev.data.document_start.tag_directives.start,
			    ev.data.document_start.tag_directives.end,
			    ev.data.document_start.implicit, 1))
				die(1, "out of memory");
			have_doc = true;
			break;
		case YAML_DOCUMENT_END_EVENT:
			d.end_implicit = ev.data.document_end.implicit;
			done = true;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			rc = alias(&c, &ev);
			break;
		case YAML_SCALAR_EVENT:
			rc = scalar(&c, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			rc = open_coll(&c, &ev, max_depth);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = close_coll(&c, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	while (c.depth)
		free((char *)c.stack[--c.depth].anchor);
	free(c.stack);
	tdestroy(c.anchors, anchor_free);
	if (rc != 0) {
		if (have_doc)
			yaml_document_delete(&d);
		return -1;
	}
	if (!have_doc && !yaml_document_initialize(&d, NULL, NULL, NULL, 1,
	    1))
		die(1, "out of memory");
	*doc = d;
	return 0;
}
