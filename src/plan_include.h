/*
 * plan_include.h - `include:` in a plan: other YAML files (shared targets,
 * checks, risks, vars) merged into the plan's document before it is read,
 * so that everything after sees one plan.  Paths are relative to the file
 * that includes them; a file included twice is merged once; a cycle is
 * refused.  Each merged node keeps its line and column, and the file it
 * came from is found by plan_include_file(), so errors still name
 * FILE:LINE:COL of the included file.
 */
#ifndef CUTOVER_PLAN_INCLUDE_H
#define CUTOVER_PLAN_INCLUDE_H

#include <stddef.h>
#include <yaml.h>

#include "lib/buf.h"

struct inc_span {
	int	 first, last;	/* node indexes (1-based) merged from file */
	char	*file;
};

struct plan_inc {
	struct inc_span	*v;
	size_t		 n;
	struct buf	 bytes;	/* every included file, for the plan's hash */
};

/*
 * Merge the files root's "include" names into doc (dir: where the plan
 * is; name: how errors name it).  Errors go to errs as FILE:LINE:COL
 * lines, counted in *nerrs.  The root node may move: fetch it again.
 */
void	 plan_include(yaml_document_t *doc, const char *name, const char *dir,
	    struct plan_inc *inc, struct buf *errs, size_t *nerrs);
/* The file node index idx came from, or NULL for the plan itself. */
const char *plan_include_file(const struct plan_inc *inc, int idx);
void	 plan_include_release(struct plan_inc *inc);

#endif
