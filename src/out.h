/*
 * out.h - output formats for check results.
 *
 * A format is one file in src/out/ exporting a `const struct out_format`,
 * listed in out_formats[] (src/out.c).  emit() writes every result of one
 * run to f.  Results reach emit() already redacted (results_redact), so a
 * format never sees a secret.
 */
#ifndef CUTOVER_OUT_H
#define CUTOVER_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "check.h"

struct out_ctx {
	const char	*plan_name;
	bool		 color;		/* ANSI colours (text only) */
	int64_t		 started_wall_us;
	int64_t		 duration_us;	/* the whole run */
};

struct out_format {
	const char	*name;
	void		(*emit)(FILE *f, const struct result *rs, size_t n,
			    const struct out_ctx *cx);
	/* The exit status for these results, when the format has its own
	 * (nagios: 0-3); NULL: 0 passed, 1 failed (or warned, strict). */
	int		(*exit_status)(const struct result *rs, size_t n,
			    bool strict);
	/* The status for bad input when not 2 (nagios: UNKNOWN, 3). */
	int		 usage_status;
};

const struct out_format *out_find(const char *name);
/* "text, json, junit, tap, prometheus" */
const char *const *out_names(size_t *n);
/* Replace secrets in every string of every result. */
void	 results_redact(struct result *rs, size_t n);
/* Should text output be coloured on this stream (--color, NO_COLOR,
 * FORCE_COLOR, CLICOLOR_FORCE, TTY)? */
bool	 out_want_color(FILE *f);
enum color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
void	 out_color_set(enum color_when w);

/*
 * -q/--quiet and -v/--verbose, one meaning on every command (README,
 * "Quiet and verbose"): quiet prints what needs attention (failures,
 * warnings, errors) and the verdict, no progress nor passing rows;
 * verbose adds what text output otherwise cuts (every detail line, each
 * passing check's too) and says on stderr which plan and journal it
 * read.  Neither changes a machine format's document or the exit status.
 */
enum verbosity { V_QUIET = -1, V_NORMAL = 0, V_VERBOSE = 1 };
void	 out_verbosity_set(enum verbosity v);
enum verbosity out_verbosity(void);
/* With -v: "cutover: MESSAGE" on stderr, redacted. */
void	 out_verbose(const char *fmt, ...) __attribute__((format(printf, 1,
	    2)));

#endif
