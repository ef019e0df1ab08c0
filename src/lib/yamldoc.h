/*
 * yamldoc.h - load a YAML document with a bound on its nesting.
 *
 * yaml_parser_load builds libyaml's document recursively, so a file of
 * ten thousand '[' overflows the stack; a depth check in a separate pass
 * over the events parsed every plan twice (16 M of a 700-check plan's
 * 100 M instructions).  yamldoc_load builds the same document from the
 * events in one pass, with an explicit stack, and stops at the first
 * collection nested deeper than the bound.
 */
#ifndef CUTOVER_YAMLDOC_H
#define CUTOVER_YAMLDOC_H

#include <stdbool.h>
#include <yaml.h>

/*
 * The bound every file of cutover's takes (a plan needs about six levels).
 * libyaml's scanner re-checks every open flow level for each token, so
 * "[[[[...]]]]" costs time quadratic in its depth (100k levels: ~20 s);
 * loading stops at the first collection deeper.
 */
#define YAMLDOC_MAX_DEPTH	64

struct yamldoc_err {
	const char	*problem;	/* what is wrong (static text) */
	const char	*context;	/* libyaml's "while parsing ...", or NULL */
	yaml_mark_t	 mark;		/* where */
	bool		 too_deep;	/* a collection deeper than the bound */
};

/*
 * The first document of parser's stream into doc, as yaml_parser_load
 * does (an empty stream gives a document without a root).  An alias must
 * name an anchor whose node is complete: an alias inside its own anchor's
 * collection is refused, so that the document has no cycle.  Returns 0,
 * or -1 with *e filled and doc untouched.
 */
int	 yamldoc_load(yaml_parser_t *parser, yaml_document_t *doc,
	    int max_depth, struct yamldoc_err *e);

#endif
