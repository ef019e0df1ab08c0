/*
 * plan.h - a plan: the YAML file turned into structs.
 *
 * plan_load() parses with libyaml, interpolates ${var}, ${env:NAME} and
 * ${env:NAME:-default}, validates against the schema (DESIGN.md), and
 * registers secret values with redact().  Every error is reported as
 * "FILE:LINE:COL: message"; all of them are collected before returning.
 *
 * Ownership: the plan owns everything reachable from it, including each
 * check's kind-private config (freed through its kind's free).  The YAML
 * document is released when plan_load returns: kinds copy what they need
 * while parsing.
 */
#ifndef CUTOVER_PLAN_H
#define CUTOVER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/units.h"
#include "lib/url.h"
#include "lib/util.h"

struct check;
struct host;
struct pctx;
struct schedule;
typedef struct yaml_node_s yaml_node_t;

struct kv {
	char	*key;
	char	*value;
};

struct target {
	char		*id;
	struct url	 url;
	int		 line, col;
};

/* A command: argv (no shell) or a shell script, never both. */
struct command {
	struct strlist	 argv;		/* empty when shell is set */
	char		*shell;		/* run with /bin/sh -c */
};

enum downtime_mark { DOWNTIME_NONE, DOWNTIME_START, DOWNTIME_END };

struct step {
	char		*id;
	char		*title;
	char		*description;
	struct command	 cmd;
	struct command	 undo;		/* both empty when there is no undo */
	bool		 has_undo;
	/* undo: {idempotent: true}: safe on a partly done step too */
	bool		 undo_idempotent;
	struct kv	*env;
	size_t		 nenv;
	char		*cwd;
	int64_t		 timeout_us;	/* 0: none */
	int		 retries;
	int64_t		 retry_interval_us;
	bool		 idempotent;
	bool		 tty;		/* output on a pseudo-terminal */
	enum downtime_mark downtime;
	const struct host *host;	/* `on:`; NULL: this machine */
	int		 line, col;
};

struct window {
	bool	 set;
	int64_t	 target_us, max_us;	/* -1 when absent */
};

/*
 * A watched number compared as the plan wrote it: a duration threshold
 * ("> 2s") is kept in seconds, the unit checks report latencies in; a
 * percentage or a plain number as written.
 */
struct vcmp {
	struct cmp	 cmp;
	double		 num;		/* the operand in the value's unit */
	bool		 duration;	/* written with a time unit */
};

/* rollback_if rules: what fires a rollback while a phase is watched. */
enum rule_kind {
	RULE_FAILING,		/* {failing: 50%, within: 5m, min_samples: 3} */
	RULE_CONSECUTIVE,	/* {consecutive: 3} */
	RULE_VALUE,		/* {value: "> 2s", for: 5m} */
};

struct rollback_rule {
	char		*check;
	enum rule_kind	 kind;
	double		 failing_pct;	/* fires at or above this share */
	int64_t		 within_us;
	int		 min_samples;	/* default 3 */
	int		 consecutive;
	struct vcmp	 value;
	int64_t		 for_us;	/* held for at least this long */
	int		 line, col;
};

/* success rules: judged over a watch window, the watch phase's gate. */
enum metric {
	MET_UPTIME,		/* share of passing samples, gaps count against */
	MET_FAILURES,		/* number of failing samples */
	MET_P50, MET_P90, MET_P95, MET_P99,
	MET_MIN, MET_MAX, MET_AVG,
};

struct success_rule {
	char		*check;
	enum metric	 metric;
	struct vcmp	 target;
	int		 line, col;
};

const char *metric_name(enum metric m);

struct phase {
	char		*id;
	char		*title;
	char		*description;
	struct strlist	 checks;	/* entry gate: must pass first */
	struct step	*steps;
	size_t		 nsteps;
	struct strlist	 gate;		/* go/no-go after the steps */
	struct window	 window;
	bool		 has_watch;
	int64_t		 watch_every_us, watch_for_us;
	/*
	 * What the watch samples: watch.checks, the checks of rollback_if
	 * and of success (the phase's and the plan's), each once, in that
	 * order (filled by plan_load).
	 */
	struct strlist	 watch_checks;
	struct rollback_rule *rollback_if;
	size_t		 nrollback_if;
	struct success_rule *success;	/* the phase's own success rules */
	size_t		 nsuccess;
	int		 line, col;
};

enum risk_level { RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_CRITICAL };

struct risk {
	char		*id;
	char		*title;
	char		*description;
	enum risk_level	 level;
	enum risk_level	 probability;	/* low | medium | high */
	char		*impact;
	struct strlist	 causes;
	struct strlist	 mitigated_by;
	char		*recovery;
	char		*owner;		/* who answers for it (shown in reports) */
	int		 line, col;
};

/*
 * One `alerts:` channel; alert.c reads it (alert_parse) and sends to it.
 * The URL and header values are credentials (a bot token in the path, a
 * Slack webhook path, an Authorization header): they are sent and never
 * printed; url_safe (scheme://host[:port]) names the endpoint instead.
 */
enum alert_kind { ALERT_WEBHOOK, ALERT_COMMAND };

struct alert_channel {
	char		*id;
	enum alert_kind	 kind;
	uint32_t	 events;	/* bit 1 << i of alert_event_names[i] */
	char		*url, *url_safe;
	char		*method;	/* POST, PUT or PATCH */
	struct kv	*headers;
	size_t		 nheaders;
	char		*body;		/* template; NULL: the default JSON */
	bool		 body_json;	/* fields are JSON-escaped in the body */
	struct command	 cmd;
	int64_t		 timeout_us;	/* one attempt */
	int64_t		 retry_for_us;	/* retries stop this long after the first */
	int64_t		 hold_us;	/* check.fail/recover flap suppression */
	int		 line, col;
};

struct plan {
	char		*file;		/* as given */
	char		*dir;		/* directory of the plan file */
	char		*name;
	char		*description;
	struct kv	*vars;
	size_t		 nvars;
	struct strlist	 secrets;	/* names */
	struct target	**targets;	/* by pointer: kinds keep &url */
	size_t		 ntargets;
	struct check	*checks;
	size_t		 nchecks;
	size_t		*check_order;	/* check indices sorted by id */
	struct risk	*risks;
	size_t		 nrisks;
	struct phase	*phases;
	size_t		 nphases;
	struct step	*rollback;
	size_t		 nrollback;
	int64_t		 rollback_max_us;	/* rollback: {max:}; 0: none */
	/* Contingency procedures (procedure.h). */
	struct procedure *procedures;
	size_t		 nprocedures;
	struct strlist	 rollback_verify;
	/* Judged at the end of every watch phase, with its own rules. */
	struct success_rule *success;
	size_t		 nsuccess;
	struct alert_channel *alerts;
	size_t		 nalerts;
	/* schedule, roles, T-minus items, approvals (schedule.h) */
	struct schedule	*sched;
	char		 sha256[65];	/* of the file's bytes */
	size_t		 nwarnings;
	char		*warnings;	/* with PLAN_WARNINGS_KEEP */
	/* Unset ${env:X} / password_env names (loaded with PLAN_ENV_LATER). */
	struct strlist	 env_unset;
	/* `hosts:` (hosts.h), and what a remote agent needs to load the plan
	 * as this process did: its text and the environment names it read. */
	struct host	*hosts;
	size_t		 nhosts;
	char		*text;
	size_t		 textlen;
	struct strlist	 env_read;
};

/*
 * Load and validate path.  On success returns the plan (warnings, such as
 * a critical risk with no mitigation, are printed to stderr as
 * FILE:LINE:COL: warning: ...).  On failure returns NULL and puts every
 * error line, newline-terminated, in *errors (caller frees).
 */
struct plan *plan_load(const char *path, char **errors);
/*
 * PLAN_ENV_LATER: for commands that never connect nor run anything (lint,
 * status, report).  An unset ${env:NAME} (no default) or password_env
 * variable is a warning, not an error: it reads as "" (a password as
 * none) and whatever is judged of a value made from it is not reported.
 * check and run load without it, and fail naming the variable.
 */
#define PLAN_ENV_LATER	0x1
/* The warnings go to plan->warnings (redacted lines), not stderr. */
#define PLAN_WARNINGS_KEEP	0x2
/*
 * Overrides of the plan's vars, from the command line (--var, origin
 * "--var") or a vars file (origin "FILE:LINE:COL"), applied by every
 * later plan load; a later override of the same name wins unless the
 * earlier one is `strong` (--var wins over --vars-file).  A name the plan
 * has no var for is an error of the load, naming the origin.
 */
void	 plan_override_var(const char *name, const char *value,
	    const char *origin, bool strong);
/* Read a YAML map NAME: VALUE into overrides; 0, or -1 with *errp
 * ("FILE:LINE:COL: message\n" lines). */
int	 plan_vars_file(const char *path, char **errp);
/* Forget every override (tests, the fuzzer). */
void	 plan_overrides_clear(void);
struct plan *plan_load_flags(const char *path, unsigned flags,
	    char **errors);
/* Same, from memory (for the fuzzer and unit tests). */
struct plan *plan_load_mem(const char *name, const char *data, size_t len,
	    char **errors);
struct plan *plan_load_mem_flags(const char *name, const char *data,
	    size_t len, unsigned flags, char **errors);
void	 plan_free(struct plan *p);

const struct target *plan_target(const struct plan *p, const char *id);
struct check *plan_check(const struct plan *p, const char *id);
const struct phase *plan_phase(const struct plan *p, const char *id);
const char *risk_level_name(enum risk_level l);

/*
 * The parsing context handed to check kinds.  A kind's parse function
 * reads its keys with the pn_* helpers; each reports its own errors at the
 * node's position and returns -1 (or NULL), so a kind can keep going and
 * report every problem at once.
 */
yaml_node_t *pn_get(struct pctx *cx, yaml_node_t *map, const char *key);
/* Interpolated scalar, newly allocated; NULL (error reported) otherwise. */
char	*pn_str(struct pctx *cx, yaml_node_t *n, const char *key);
/*
 * pn_str, leaving ${NAME} for each NAME of keep[] (NULL-terminated) and
 * "$$" as they are, for a template expanded later (an alert's body).
 */
char	*pn_str_peek(struct pctx *cx, yaml_node_t *n);
char	*pn_str_keep(struct pctx *cx, yaml_node_t *n, const char *key,
	    const char *const *keep);
/*
 * Report each key of map not in allowed[] ("did you mean"), and
 * duplicates; where names the map in the message ("alert").
 */
void	 pn_keys(struct pctx *cx, yaml_node_t *map, const char *const *allowed,
	    const char *where);
/* A required key: error "missing 'key'" at map when absent. */
char	*pn_req_str(struct pctx *cx, yaml_node_t *map, const char *key);
int	 pn_bool(struct pctx *cx, yaml_node_t *n, const char *key, bool *out);
int	 pn_int(struct pctx *cx, yaml_node_t *n, const char *key,
	    long long min, long long max, long long *out);
int	 pn_duration(struct pctx *cx, yaml_node_t *n, const char *key,
	    int64_t *us);
int	 pn_size(struct pctx *cx, yaml_node_t *n, const char *key,
	    uint64_t *bytes);
int	 pn_cmp(struct pctx *cx, yaml_node_t *n, const char *key,
	    struct cmp *c);
/*
 * A scalar or a sequence of scalars, appended to out.  On -1 the items
 * read before the bad one stay in out: the caller releases it either way.
 */
int	 pn_strlist(struct pctx *cx, yaml_node_t *n, const char *key,
	    struct strlist *out);
/* {expect, warn, crit} durations; warn < crit enforced. */
int	 pn_tiers(struct pctx *cx, yaml_node_t *n, const char *key,
	    struct tiers *t);
/* argv as a sequence or split from a string; or a shell string. */
int	 pn_command(struct pctx *cx, yaml_node_t *n, const char *key,
	    bool shell, struct command *cmd);
/* A map of string -> string (env:). */
int	 pn_kvmap(struct pctx *cx, yaml_node_t *n, const char *key,
	    struct kv **out, size_t *nout);
/*
 * The value of environment variable name, for a key of node n (such as
 * `password_env`): 0 with *value set; 0 with *value NULL when it is unset
 * and the plan is loaded with PLAN_ENV_LATER (warned); else -1 with an
 * error reported that names the variable.
 */
int	 pn_env(struct pctx *cx, yaml_node_t *n, const char *key,
	    const char *name, const char **value);
/* Resolve a `target:`/`source:` value: a target id or a URL. */
const struct url *pn_target(struct pctx *cx, yaml_node_t *map,
	    const char *key, bool required);
/* Report an error (or warning) at a node's position. */
void	 pn_error(struct pctx *cx, yaml_node_t *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 pn_warn(struct pctx *cx, yaml_node_t *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
bool	 pn_is_map(yaml_node_t *n);
bool	 pn_is_seq(yaml_node_t *n);
/* Number of items of a sequence node and the i-th item. */
size_t	 pn_seq_len(yaml_node_t *n);
yaml_node_t *pn_seq_item(struct pctx *cx, yaml_node_t *n, size_t i);
/* Iterate a mapping: the i-th key (as written) and value. */
size_t	 pn_map_len(yaml_node_t *n);
const char *pn_map_key(struct pctx *cx, yaml_node_t *n, size_t i,
	    yaml_node_t **value);
struct plan *pn_plan(struct pctx *cx);
/* For procedure.c: steps (ids unique plan-wide), rules read as
 * rollback_if's are (`what` names them in errors), check references. */
struct step *pn_steps(struct pctx *cx, yaml_node_t *n, const char *key,
	    size_t *nout);
void	 pn_steps_free(struct step *s, size_t n);
void	 pn_rules(struct pctx *cx, yaml_node_t *n, const char *what,
	    struct rollback_rule **out, size_t *nout);
void	 pn_check_refs(struct pctx *cx, yaml_node_t *n, const char *key,
	    struct strlist *out);

#endif
