/*
 * units.h - durations, sizes, tiers and comparisons as plans write them.
 *
 * Durations are kept in microseconds (int64): latency tiers go below a
 * millisecond.  Sizes are bytes; KB/MB/GB/TB are powers of 1000 and
 * KiB/MiB/GiB/TiB powers of 1024, as df(1) --si and -h distinguish them.
 * All parsers return 0 or -1 with a message in *errp naming the problem.
 */
#ifndef CUTOVER_UNITS_H
#define CUTOVER_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define US_PER_MS	1000LL
#define US_PER_S	1000000LL

int	 parse_duration(const char *s, int64_t *us, char **errp);
int	 parse_size(const char *s, uint64_t *bytes, char **errp);
/* "80%" -> 80.0; the % is required. */
int	 parse_percent(const char *s, double *pct, char **errp);
/* Strict integer in [min, max]. */
int	 parse_int(const char *s, long long min, long long max, long long *out,
	    char **errp);
/* Format us as "1.23ms", "5s", "2m30s" into a new string. */
char	*fmt_duration(int64_t us);
/* Format bytes as "1.5 GiB". */
char	*fmt_size(uint64_t bytes);

/*
 * The seeds' tiered thresholds: {expect, warn, crit}.  A value below warn
 * passes, from warn up to crit warns, at or past crit fails.  `expect` is
 * the target shown in reports; it does not change the verdict.
 */
struct tiers {
	bool	 set;
	int64_t	 expect, warn, crit;	/* microseconds; -1 when absent */
};
enum status;
enum status tiers_judge(const struct tiers *t, int64_t value);
/* "expect 2ms, warn 5ms, crit 10ms" */
char	*tiers_describe(const struct tiers *t);

/*
 * A comparison written as a string: "> 0", ">= 99.9%", "< 2ms", "== foo",
 * "!= 0", or a bare value meaning equality.  Numbers compare numerically
 * (with their unit: ms/s for durations, %, or sizes); anything else
 * compares as text.
 */
enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
struct cmp {
	enum cmp_op	 op;
	bool		 numeric;
	double		 num;	/* in base units: us, bytes, percent or plain */
	char		*text;	/* the operand as written */
};
int	 cmp_parse(const char *s, struct cmp *c, char **errp);
/* Does observed satisfy c?  Non-numeric observed vs numeric c is false. */
bool	 cmp_eval(const struct cmp *c, const char *observed);
bool	 cmp_eval_num(const struct cmp *c, double observed);
const char *cmp_opstr(enum cmp_op op);
void	 cmp_free(struct cmp *c);

#endif
