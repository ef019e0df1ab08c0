/*
 * test_watch.c - the watch's rule math at its boundaries (failing share
 * and min_samples, consecutive, value held for a duration), the ring
 * buffer, nearest-rank percentiles, and the journal's samples: a round
 * written and read back, folded into minutes with the figures kept
 * (exactly for counts, min, max, mean; percentiles within 4.4%).
 */
#include <math.h>
#include <sqlite3.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "check.h"
#include "journal.h"
#include "lib/buf.h"
#include "lib/redact.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "watch.h"

#define MS	1000LL

static struct plan *
load(const char *yaml)
{
	char *errs = NULL;
	struct plan *p = plan_load_mem("w.yml", yaml, strlen(yaml), &errs);

	if (p == NULL)
		fprintf(stderr, "%s", errs);
	free(errs);
	return p;
}

static const char plan_yaml[] =
"cutover: 1\n"
"name: w\n"
"checks:\n"
"  - { id: api, kind: tcp, address: '127.0.0.1:1' }\n"
"phases:\n"
"  - id: post\n"
"    watch: { every: 1s, for: 1h }\n"
"    rollback_if:\n"
"      - { check: api, failing: 50%, within: 5s }\n"
"      - { check: api, failing: 50%, within: 5s, min_samples: 6 }\n"
"      - { check: api, consecutive: 3 }\n"
"      - { check: api, value: '> 2s', for: 3s }\n";

/* Push samples "p"/"f" (pass/fail) one second apart; fire index or -1. */
static int
feed(const struct rollback_rule *r, const char *seq, const double *vals)
{
	struct wring ring;
	struct wrule_state st = { 0 };
	int fired = -1;

	wring_init(&ring, rule_ring_need(r, US_PER_S));
	for (int i = 0; seq[i] && fired < 0; i++) {
		struct wsample s = { .at_us = (i + 1) * US_PER_S,
		    .status = seq[i] == 'p' ? ST_PASS : ST_FAIL,
		    .has_value = vals != NULL && !isnan(vals[i]),
		    .value = vals ? vals[i] : 0 };
		wring_push(&ring, &s);
		char *why = NULL;
		if (rule_update(r, &ring, &st, &why))
			fired = i;
		free(why);
	}
	wring_release(&ring);
	return fired;
}

T_TEST(failing_share_and_window)
{
	struct plan *p = load(plan_yaml);
	T_OK(p != NULL);
	const struct rollback_rule *r = &p->phases[0].rollback_if[0];

	T_EQ_INT(r->kind, RULE_FAILING);
	/* 5 s window at 1 s: the last 5 samples.  2 of 5 is 40%: no. */
	T_EQ_INT(feed(r, "pppppfpfpp", NULL), -1);
	/* 50% exactly fires (at or above): p f p f -> 1/3, then 2/4. */
	T_EQ_INT(feed(r, "pfpf", NULL), 3);
	/* Too few samples: two failures are 100% but below min_samples 3. */
	T_EQ_INT(feed(r, "ff", NULL), -1);
	T_EQ_INT(feed(r, "ffp", NULL), 2);	/* 2/3 */
	/* An old failure slides out of the window: 2 of the last 5. */
	T_EQ_INT(feed(r, "fpppppppff", NULL), -1);
	/* min_samples 6 with a 5-sample window never fires. */
	T_EQ_INT(feed(&p->phases[0].rollback_if[1], "ffffffffff", NULL), -1);
	plan_free(p);
}

T_TEST(consecutive_boundary)
{
	struct plan *p = load(plan_yaml);
	T_OK(p != NULL);
	const struct rollback_rule *r = &p->phases[0].rollback_if[2];

	T_EQ_INT(feed(r, "ffpffpff", NULL), -1);
	T_EQ_INT(feed(r, "ffpfff", NULL), 5);
	T_EQ_INT(feed(r, "fff", NULL), 2);
	plan_free(p);
}

T_TEST(value_held_for)
{
	struct plan *p = load(plan_yaml);
	T_OK(p != NULL);
	const struct rollback_rule *r = &p->phases[0].rollback_if[3];
	/* "> 2s" for 3s: samples 1 s apart, 4 in a row span 3 s. */
	double a[] = { 3, 3, 3, 1, 3, 3, 3, 3 };
	double b[] = { 3, 3, 2, 3, 3, 3, NAN, 3 };	/* 2 is not > 2 */
	double c[] = { 2.5, 2.5, NAN, 2.5, 2.5, 2.5, 2.5, 2.5 };

	T_OK(fabs(r->value.num - 2.0) < 1e-9);
	T_OK(r->value.duration);
	T_EQ_INT(feed(r, "pppppppp", a), 7);
	T_EQ_INT(feed(r, "pppppppp", b), -1);
	/* A sample without a value ends the run. */
	T_EQ_INT(feed(r, "pppppppp", c), 6);
	plan_free(p);
}

T_TEST(ring_keeps_the_latest)
{
	struct wring r;
	wring_init(&r, 3);
	for (int i = 1; i <= 5; i++) {
		struct wsample s = { .at_us = i };
		wring_push(&r, &s);
	}
	T_EQ_INT(r.n, 3);
	T_EQ_INT(wring_back(&r, 0)->at_us, 5);
	T_EQ_INT(wring_back(&r, 2)->at_us, 3);
	T_OK(wring_back(&r, 3) == NULL);
	wring_release(&r);
}

T_TEST(percentiles_nearest_rank)
{
	double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	T_OK(percentile_sorted(v, 10, 50) == 5);
	T_OK(percentile_sorted(v, 10, 95) == 10);
	T_OK(percentile_sorted(v, 10, 10) == 1);
	T_OK(percentile_sorted(v, 1, 99) == 1);
	T_OK(isnan(percentile_sorted(v, 0, 50)));
}

/* A journal at path holding one run with one watch of n checks, begun at t0. */
static struct journal *
watch_journal(const char *path, int64_t t0, const char **ids,
    const int64_t *every, size_t n, int64_t *run, int64_t *w)
{
	struct journal *j = NULL;
	char *e = NULL;

	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "p", "p.yml", "x", "u", run, &e), 0);
	T_EQ_INT(journal_watch_begin(j, *run, "post", US_PER_S,
	    600 * US_PER_S, 3600 * US_PER_S, t0, ids, every, n, w, &e), 0);
	free(e);
	return j;
}

static void
rm_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	T_OK(system(cmd) == 0);
	free(cmd);
}

static void
count(const struct jsample *x, void *arg)
{
	(void)x;
	(*(int *)arg)++;
}

T_TEST(samples_fold_into_minutes)
{
	char dir[] = "/tmp/cutover-watch.XXXXXX";
	T_OK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/j.db", dir), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, w = 0, t0 = 1000000 * US_PER_S;
	const char *ids[] = { "a", "b" };
	int64_t every[] = { 0, 0 };

	j = watch_journal(path, t0, ids, every, 2, &run, &w);
	/* 3 minutes at 1 s: a's values 1..180 ms, every 10th failing. */
	double sum = 0;
	for (int i = 0; i < 180; i++) {
		struct jsample s[2] = {
			{ .at_us = t0 + i * US_PER_S, .check = 0,
			  .status = i % 10 == 9 ? ST_FAIL : ST_PASS,
			  .has_value = true, .value = (i + 1) / 1000.0,
			  .message = i % 10 == 9 ? "refused" : NULL },
			{ .at_us = t0 + i * US_PER_S, .check = 1,
			  .status = ST_PASS },
		};
		sum += (i + 1) / 1000.0;
		T_EQ_INT(journal_samples(j, w, t0, s, 2, &e), 0);
	}
	struct jlog l;
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_EQ_INT(l.nwatches, 1);
	struct jwatch *jw = &l.watches[0];
	T_EQ_INT(jw->nchecks, 2);
	T_EQ_STR(jw->checks[1], "b");
	T_EQ_INT(jw->last_us, t0 + 179 * US_PER_S);
	T_EQ_INT(journal_watch_stats(j, jw, &e), 0);
	T_EQ_INT(jw->stats[0].n, 180);
	T_EQ_INT(jw->stats[0].nfail, 18);
	T_OK(fabs(jw->stats[0].p50 - 0.090) < 1e-9);	/* exact when raw */
	T_OK(!jw->stats[0].approx);
	T_EQ_STR(jw->stats[0].last_message, "refused");
	/* Fold the first two minutes: raw rows go, the figures stay. */
	T_EQ_INT(journal_fold(j, w, t0, t0 + 150 * US_PER_S, &e), 0);
	T_EQ_INT(journal_watch_stats(j, jw, &e), 0);
	const struct jwstat *s = &jw->stats[0];
	T_EQ_INT(s->n, 180);
	T_EQ_INT(s->npass, 162);
	T_EQ_INT(jw->stats[1].n, 180);
	T_OK(s->approx);
	T_OK(fabs(s->min - 0.001) < 1e-9);
	T_OK(fabs(s->max - 0.180) < 1e-9);
	T_OK(fabs(s->avg - sum / 180) < 1e-9);
	T_OK(fabs(s->p50 - 0.090) / 0.090 < 0.044);
	T_OK(fabs(s->p95 - 0.171) / 0.171 < 0.044);
	/* The end of a watch adds up only the checks its rules name: the
	 * same figures for those, nothing for the others. */
	struct jwatch one = *jw;
	bool want[] = { true, false };
	one.stats = NULL;
	T_EQ_INT(journal_watch_stats_of(j, &one, want, &e), 0);
	T_EQ_INT(one.stats[0].n, 180);
	T_EQ_INT(one.stats[0].npass, 162);
	T_OK(fabs(one.stats[0].avg - s->avg) < 1e-12);
	T_OK(fabs(one.stats[0].p95 - s->p95) < 1e-12);
	T_EQ_STR(one.stats[0].last_message, "refused");
	T_EQ_INT(one.stats[1].n, 0);
	T_OK(one.stats[1].last_message == NULL);
	want[0] = false;
	want[1] = true;
	free(one.stats[0].last_message);
	free(one.stats);
	one.stats = NULL;
	T_EQ_INT(journal_watch_stats_of(j, &one, want, &e), 0);
	T_EQ_INT(one.stats[0].n, 0);
	T_EQ_INT(one.stats[1].n, 180);
	T_EQ_INT(one.stats[1].npass, 180);
	free(one.stats);
	/* Both named: one query each (acc_raw), each from the same start. */
	want[0] = true;
	one.stats = NULL;
	T_EQ_INT(journal_watch_stats_of(j, &one, want, &e), 0);
	T_EQ_INT(one.stats[0].n, 180);
	T_EQ_INT(one.stats[0].npass, 162);
	T_OK(fabs(one.stats[0].p95 - s->p95) < 1e-12);
	T_EQ_INT(one.stats[1].n, 180);
	T_EQ_INT(one.stats[1].npass, 180);
	free(one.stats[0].last_message);
	free(one.stats);
	int cnt = 0;
	jlog_release(&l);
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	struct jwatch *jw2 = &l.watches[0];
	/* Only the third minute is raw now. */
	T_EQ_INT(journal_samples_each(j, jw2, 0, count, &cnt, &e), 0);
	T_EQ_INT(cnt, 120);
	jlog_release(&l);
	journal_close(j);
	rm_tree(dir);
	free(path);
	free(e);
}

/* What journal_samples wrote, read back in (t, c) order. */
struct readback {
	int		 n;
	int		 check[80], status[80];
	bool		 has[80];
	double		 value[80];
	char		 msg[80][16];
};

static void
keep(const struct jsample *x, void *arg)
{
	struct readback *r = arg;

	if (r->n >= 80)
		return;
	r->check[r->n] = x->check;
	r->status[r->n] = x->status;
	r->has[r->n] = x->has_value;
	r->value[r->n] = x->value;
	snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s",
	    x->message ? x->message : "");
	r->n++;
}

/*
 * A round is one row: 75 samples come back as given, in t order, with a
 * late check's own t, values beyond millionths (a huge one, infinity)
 * exact, and a message whose quotes, backslash and newline survive the
 * row's JSON and whose secret does not reach the file.
 */
T_TEST(samples_one_row_a_round)
{
	char dir[] = "/tmp/cutover-watch.XXXXXX";
	T_OK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/j.db", dir), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, w = 0, t0 = 1000000 * US_PER_S;
	const char *ids[75];
	int64_t every[75] = { 0 };
	char names[75][8], msgs[75][16];
	struct jsample s[75];
	const char *odd = "a \"quoted\" \\ and\nline s3cr3t-t0ken-xyz";

	redact_add("s3cr3t-t0ken-xyz");
	for (int i = 0; i < 75; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		ids[i] = names[i];
		snprintf(msgs[i], sizeof(msgs[i]), "down %d", i);
		s[i] = (struct jsample){ .at_us = t0 + 5 * US_PER_S,
		    .check = i, .status = i % 7 == 3 ? ST_FAIL : ST_PASS,
		    .has_value = i % 5 != 0, .value = i / 1000.0,
		    .message = i % 7 == 3 ? msgs[i] : NULL };
	}
	/* Two checks sampled late, at their own (earlier) due times. */
	s[40].at_us = t0 + 4 * US_PER_S;
	s[41].at_us = t0 + 4500 * MS;
	for (int i = 10; i <= 12; i++)
		s[i].has_value = true;
	s[10].value = 1e12;		/* millionths beyond 9e15: a REAL */
	s[11].value = INFINITY;
	s[12].value = -2.5e-7;		/* rounds to a millionth: -0 */
	s[17].message = odd;
	j = watch_journal(path, t0, ids, every, 75, &run, &w);
	T_EQ_INT(journal_samples(j, w, t0, s, 75, &e), 0);
	struct jlog l;
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_EQ_INT(l.nwatches, 1);
	T_EQ_INT(l.watches[0].last_us, t0 + 5 * US_PER_S);
	struct readback rb = { 0 };
	T_EQ_INT(journal_samples_each(j, &l.watches[0], 0, keep, &rb, &e), 0);
	T_EQ_INT(rb.n, 75);
	/* In t order: the two late ones first, then 0..74 without them. */
	int order[75], k = 0, bad = 0;
	order[k++] = 40;
	order[k++] = 41;
	for (int i = 0; i < 75; i++)
		if (i != 40 && i != 41)
			order[k++] = i;
	for (int r = 0; r < 75 && r < rb.n; r++) {
		const struct jsample *x = &s[order[r]];
		double want = x->value == -2.5e-7 ? 0 : x->value;
		if (rb.check[r] != x->check || rb.status[r] != x->status ||
		    rb.has[r] != x->has_value ||
		    (rb.has[r] && !(rb.value[r] == want ||
		    fabs(rb.value[r] - want) < 1e-9)))
			bad++;
		if (x->message != NULL && x->message != odd &&
		    strcmp(rb.msg[r], x->message) != 0)
			bad++;
	}
	T_EQ_INT(bad, 0);
	jlog_release(&l);
	journal_close(j);
	/* The file: one row; the view shows each sample with its own t. */
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM"
	    " sample_rounds), count(*), sum(t = 5000), (SELECT t FROM samples"
	    " WHERE c = 41), (SELECT m FROM samples WHERE c = 17), (SELECT v"
	    " FROM samples WHERE c = 11), (SELECT v FROM samples WHERE c = 10),"
	    " (SELECT count(*) FROM sample_rounds WHERE data LIKE"
	    " '%s3cr3t-t0ken%') FROM samples", -1, &st, NULL), SQLITE_OK);
	T_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	T_EQ_INT(sqlite3_column_int(st, 0), 1);
	T_EQ_INT(sqlite3_column_int(st, 1), 75);
	T_EQ_INT(sqlite3_column_int(st, 2), 73);
	T_EQ_INT(sqlite3_column_int(st, 3), 4500);
	T_EQ_STR((const char *)sqlite3_column_text(st, 4),
	    "a \"quoted\" \\ and\nline ***");
	T_OK(isinf(sqlite3_column_double(st, 5)));
	T_OK(sqlite3_column_double(st, 6) == 1e12);
	T_EQ_INT(sqlite3_column_int(st, 7), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	redact_clear();
	rm_tree(dir);
	free(path);
	free(e);
}

/*
 * A journal of an earlier release, one row a sample in the table samples:
 * read as it is when opened read-only, turned into rounds (the same
 * samples, the same figures) when opened for writing.
 */
T_TEST(samples_table_of_an_earlier_release)
{
	char dir[] = "/tmp/cutover-watch.XXXXXX";
	T_OK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/j.db", dir), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, w = 0, t0 = 1000000 * US_PER_S;
	const char *ids[] = { "a", "b" };
	int64_t every[2] = { 0 };

	j = watch_journal(path, t0, ids, every, 2, &run, &w);
	journal_close(j);
	/* The earlier layout, by hand: 3 rounds of 2 checks. */
	sqlite3 *db = NULL;
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	char *sql = xasprintf("DROP VIEW samples; DROP TABLE sample_rounds;"
	    " CREATE TABLE samples(w INTEGER, t INTEGER, c INTEGER, s INTEGER,"
	    " v, m TEXT, PRIMARY KEY(w, t, c)) WITHOUT ROWID;"
	    " INSERT INTO samples VALUES (%lld, 0, 0, 0, 1500, NULL),"
	    " (%lld, 0, 1, 2, NULL, 'down'), (%lld, 1000, 0, 0, 2500, NULL),"
	    " (%lld, 1000, 1, 2, NULL, NULL), (%lld, 2000, 0, 2, 3500, 'slow'),"
	    " (%lld, 2000, 1, 0, NULL, NULL);", (long long)w, (long long)w,
	    (long long)w, (long long)w, (long long)w, (long long)w);
	T_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);
	struct jlog l;
	struct readback ro = { 0 }, rw = { 0 };
	T_EQ_INT(journal_open_ro(path, &j, &e), 0);
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_EQ_INT(l.watches[0].last_us, t0 + 2 * US_PER_S);
	T_EQ_INT(journal_samples_each(j, &l.watches[0], 0, keep, &ro, &e), 0);
	T_EQ_INT(journal_watches_stats(j, &l, &e), 0);
	int64_t npass = l.watches[0].stats[0].npass;
	double p50 = l.watches[0].stats[0].p50;
	jlog_release(&l);
	journal_close(j);
	T_EQ_INT(npass, 2);
	T_OK(fabs(p50 - 0.0025) < 1e-12);
	T_EQ_INT(journal_open(path, false, &j, &e), 0);
	T_EQ_INT(journal_load(j, run, &l, &e), 0);
	T_EQ_INT(l.watches[0].last_us, t0 + 2 * US_PER_S);
	T_EQ_INT(journal_samples_each(j, &l.watches[0], 0, keep, &rw, &e), 0);
	T_EQ_INT(journal_watches_stats(j, &l, &e), 0);
	T_EQ_INT(l.watches[0].stats[0].npass, 2);
	T_OK(fabs(l.watches[0].stats[0].p50 - 0.0025) < 1e-12);
	T_EQ_INT(l.watches[0].stats[1].nfail, 2);
	jlog_release(&l);
	journal_close(j);
	T_EQ_INT(ro.n, 6);
	T_EQ_INT(rw.n, 6);
	int same = ro.n == rw.n;
	for (int i = 0; i < ro.n && i < rw.n; i++)
		same &= ro.check[i] == rw.check[i] &&
		    ro.status[i] == rw.status[i] && ro.has[i] == rw.has[i] &&
		    ro.value[i] == rw.value[i] &&
		    strcmp(ro.msg[i], rw.msg[i]) == 0;
	T_OK(same);
	/* The failing b at t 1000 repeats the message of t 0. */
	T_EQ_STR(rw.msg[3], "down");
	T_EQ_STR(rw.msg[4], "slow");
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	T_EQ_INT(sqlite3_prepare_v2(db, "SELECT (SELECT type FROM sqlite_master"
	    " WHERE name = 'samples'), (SELECT count(*) FROM sample_rounds),"
	    " count(*) FROM samples", -1, &st, NULL), SQLITE_OK);
	T_EQ_INT(sqlite3_step(st), SQLITE_ROW);
	T_EQ_STR((const char *)sqlite3_column_text(st, 0), "view");
	T_EQ_INT(sqlite3_column_int(st, 1), 3);
	T_EQ_INT(sqlite3_column_int(st, 2), 6);
	sqlite3_finalize(st);
	sqlite3_close(db);
	rm_tree(dir);
	free(path);
	free(e);
}

static bool
same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b || fabs(a - b) < 1e-12;
}

/* The figures of a cached load equal those of a full one, field by field. */
static int
same_stats(const struct jwatch *a, const struct jwatch *b)
{
	for (size_t i = 0; i < a->nchecks; i++) {
		const struct jwstat *x = &a->stats[i], *y = &b->stats[i];
		if (x->n != y->n || x->npass != y->npass || x->nfail != y->nfail ||
		    x->nmissed != y->nmissed || x->nvalues != y->nvalues ||
		    x->approx != y->approx || x->last_at_us != y->last_at_us ||
		    x->last_status != y->last_status ||
		    !same_num(x->min, y->min) || !same_num(x->max, y->max) ||
		    !same_num(x->avg, y->avg) || !same_num(x->p50, y->p50) ||
		    !same_num(x->p90, y->p90) || !same_num(x->p95, y->p95) ||
		    !same_num(x->p99, y->p99))
			return (int)i + 1;
		if ((x->last_message == NULL) != (y->last_message == NULL) ||
		    (x->last_message && strcmp(x->last_message,
		    y->last_message) != 0))
			return (int)i + 1;
		for (int k = 0; k < WATCH_SERIES; k++)
			if (x->series_n[k] != y->series_n[k] ||
			    x->series_fail[k] != y->series_fail[k] ||
			    !same_num(x->series_v[k], y->series_v[k]))
				return (int)i + 1;
	}
	return 0;
}

/*
 * serve's loads read only what was journaled since the last one
 * (journal_watches_stats_cached): after every batch of rounds, after a
 * fold into minutes and after a gap, its figures must be those of a full
 * count.
 */
T_TEST(cached_stats_match_full)
{
	char dir[] = "/tmp/cutover-watch.XXXXXX";
	T_OK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/j.db", dir), *e = NULL;
	struct journal *j = NULL;
	int64_t run = 0, w = 0, t0 = 1000000 * US_PER_S;
	const char *ids[] = { "a", "b", "c" };
	int64_t every[] = { 0, 0, 0 };
	struct jwcache *c = jwcache_new();

	j = watch_journal(path, t0, ids, every, 3, &run, &w);
	int i = 0;
	for (int batch = 0; batch < 7; batch++) {
		/* Values out of order, so that new ones merge into old. */
		for (int k = 0; k < 40; k++, i++) {
			struct jsample s[3] = {
				{ .at_us = t0 + i * US_PER_S, .check = 0,
				  .status = i % 7 == 3 ? ST_FAIL : ST_PASS,
				  .has_value = true,
				  .value = ((i * 37) % 101) / 1000.0,
				  .message = i % 7 == 3 ? (i % 2 ? "refused" :
				  "timed out") : NULL },
				{ .at_us = t0 + i * US_PER_S, .check = 1,
				  .status = ST_PASS },
				{ .at_us = t0 + i * US_PER_S, .check = 2,
				  .status = i % 5 ? ST_PASS : ST_WARN,
				  .has_value = i % 3 != 0,
				  .value = (300 - i) / 1000.0 },
			};
			T_EQ_INT(journal_samples(j, w, t0, s, 3, &e), 0);
		}
		if (batch == 3)	/* the first two minutes into minute rows */
			T_EQ_INT(journal_fold(j, w, t0, t0 + 150 * US_PER_S,
			    &e), 0);
		if (batch == 5) {
			T_EQ_INT(journal_watch_gap(j, w, t0 + i * US_PER_S,
			    t0 + (i + 30) * US_PER_S, &e), 0);
			i += 30;
		}
		struct jlog la, lb;
		T_EQ_INT(journal_load(j, run, &la, &e), 0);
		T_EQ_INT(journal_load(j, run, &lb, &e), 0);
		T_EQ_INT(journal_watches_stats_cached(j, &la, c, &e), 0);
		T_EQ_INT(journal_watches_stats(j, &lb, &e), 0);
		T_EQ_INT(same_stats(&la.watches[0], &lb.watches[0]), 0);
		T_EQ_INT(la.watches[0].stats[0].n, i - (batch >= 5 ? 30 : 0));
		jlog_release(&la);
		jlog_release(&lb);
	}
	jwcache_free(c);
	journal_close(j);
	rm_tree(dir);
	free(path);
	free(e);
}

/*
 * The pool wakes one worker for all the quick checks of a round
 * (kind->quick): a wrapper of kind file that records the thread of each
 * run and takes 2 ms (so that other woken workers would claim some),
 * and whose check "hung" blocks in its first run for 2.5 s, past its
 * 1-s timeout.  A round runs its quick checks on one or two threads;
 * the hung sample is a timeout, and every other sample of every round
 * a real, passing stat.
 */
#define QN	13
static const struct check_kind *real_file;
static _Atomic int qcalls;
static pthread_t qthread[64];
static atomic_bool hung_once;

static bool
q_quick(const struct check *c)
{
	return real_file->quick(c);
}

static void
q_run(const struct check *c, struct result *r)
{
	int k = atomic_fetch_add(&qcalls, 1);

	if (k < 64)
		qthread[k] = pthread_self();
	if (strcmp(c->id, "hung") == 0 && !atomic_exchange(&hung_once, true))
		poll(NULL, 0, 2500);
	poll(NULL, 0, 2);
	real_file->run(c, r);
}

static size_t
threads_of(int from, int to)
{
	size_t n = 0;

	for (int i = from; i < to; i++) {
		int seen = 0;
		for (int k = from; k < i; k++)
			seen |= pthread_equal(qthread[k], qthread[i]);
		n += !seen;
	}
	return n;
}

T_TEST(quick_checks_share_a_worker)
{
	char dir[] = "/tmp/cutover-watch.XXXXXX";
	T_OK(mkdtemp(dir) != NULL);
	struct buf y = BUF_INIT;
	buf_adds(&y, "cutover: 1\nname: w\nchecks:\n");
	for (int i = 0; i < QN; i++) {
		char *f = xasprintf("%s/f%d", dir, i);
		FILE *fp = fopen(f, "w");
		T_OK(fp != NULL);
		fclose(fp);
		if (i)
			buf_addf(&y, "  - { id: f%d, kind: file, path: '%s', "
			    "timeout: 1s }\n", i, f);
		else
			buf_addf(&y, "  - { id: hung, kind: file, path: '%s', "
			    "timeout: 1s }\n", f);
		free(f);
	}
	buf_adds(&y, "phases:\n  - id: post\n    watch: { every: 1s, for: 3s, "
	    "checks: [");
	buf_adds(&y, "hung");
	for (int i = 1; i < QN; i++)
		buf_addf(&y, ", f%d", i);
	buf_adds(&y, "] }\n");
	struct plan *p = load(y.s);
	T_OK(p != NULL);
	if (p == NULL)
		return;
	static struct check_kind qk;
	real_file = p->checks[0].kind;
	qk = *real_file;
	qk.run = q_run;
	qk.quick = q_quick;
	T_OK(real_file->quick != NULL && real_file->quick(&p->checks[0]));
	for (size_t i = 0; i < p->nchecks; i++)
		p->checks[i].kind = &qk;

	char *path = xasprintf("%s/j.db", dir), *e = NULL, *why, *bo;
	struct journal *j = NULL;
	int64_t run = 0;
	T_EQ_INT(journal_open(path, true, &j, &e), 0);
	T_EQ_INT(journal_run_begin(j, "w", "w.yml", "x", "u", &run, &e), 0);
	struct watch_opts o = { .jobs = 16 };
	int64_t t0 = now_mono_us();
	enum watch_end we = watch_phase(p, &p->phases[0], j, run, NULL, &o,
	    &why, &bo, &e);
	T_OK(we == WATCH_GO || we == WATCH_NOGO);
	/* Not held up by the hung check: 3 s and the end's judgement. */
	T_OK(now_mono_us() - t0 < 5 * US_PER_S);
	int calls = atomic_load(&qcalls);
	T_OK(calls >= 3 * QN && calls <= 64);
	/*
	 * Round 0 hung on its first check and round 1 ran at once after
	 * it, while round 0's workers went back to sleep; from round 2 on
	 * one worker is woken (a second one may be on its way to sleep):
	 * with all 16 woken, 13 threads ran a round's 12 quick checks.
	 */
	for (int r = 2; (r + 1) * QN <= calls; r++)
		T_OK(threads_of(r * QN, (r + 1) * QN) <= 2);

	struct jlog log;
	T_EQ_INT(journal_load(j, run, &log, &e), 0);
	T_EQ_INT(journal_watches_stats(j, &log, &e), 0);
	const struct jwatch *w = &log.watches[0];
	T_EQ_INT(w->nchecks, QN);
	int64_t rounds = w->stats[1].n;
	T_OK(rounds >= 3);
	for (size_t i = 0; i < w->nchecks; i++) {
		T_EQ_INT(w->stats[i].n, rounds);
		T_EQ_INT(w->stats[i].nfail, i == 0 ? 1 : 0);
	}
	jlog_release(&log);
	journal_close(j);
	free(why);
	free(bo);
	free(e);
	free(path);
	plan_free(p);
	rm_tree(dir);
	buf_release(&y);
}

T_SUITE(watch, failing_share_and_window, consecutive_boundary,
    value_held_for, ring_keeps_the_latest, percentiles_nearest_rank,
    samples_fold_into_minutes, samples_one_row_a_round,
    samples_table_of_an_earlier_release,
    cached_stats_match_full, quick_checks_share_a_worker);
