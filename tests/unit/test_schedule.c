/*
 * test_schedule.c - local times in a zone across DST changes (the hour
 * skipped in spring, the hour twice in autumn), clock times that wrap to
 * the next day, zone names, $TZ left as it was, and what a plan's
 * schedule keys become.
 */
#include <stdlib.h>

#include "../t.h"
#include "lib/xmalloc.h"
#include "plan.h"
#include "schedule.h"

#define S	1000000LL

static int64_t
at(const char *tz, const char *text, int64_t base, bool after)
{
	int64_t us = -1;
	char *e = NULL;

	if (sched_time(tz, text, base, after, &us, &e) != 0)
		us = -1;
	free(e);
	return us;
}

T_TEST(spring_gap_is_an_error)
{
	char *e = NULL;
	int64_t us;

	/* Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST. */
	T_EQ_INT(sched_time("Europe/Berlin", "2026-03-29T02:30", 0, false,
	    &us, &e), -1);
	T_OK(e && strstr(e, "does not exist in Europe/Berlin"));
	free(e);
	/* New York, 2026-03-08, 02:00 EST -> 03:00 EDT. */
	T_EQ_INT(at("America/New_York", "2026-03-08 02:15", 0, false), -1);
	T_OK(at("America/New_York", "2026-03-08 03:15", 0, false) > 0);
}

T_TEST(autumn_twice_is_the_earlier)
{
	/* Berlin 2026-10-25 02:30 happens in CEST (00:30Z) and CET (01:30Z). */
	T_EQ_INT(at("Europe/Berlin", "2026-10-25T02:30", 0, false),
	    1792888200 * S);
}

T_TEST(clock_across_spring_change)
{
	/* 01:00 CET (00:00Z) to 04:00 CEST (02:00Z): two real hours. */
	int64_t start = at("Europe/Berlin", "2026-03-29T01:00", 0, false);
	T_EQ_INT(start, 1774742400 * S);
	int64_t end = at("Europe/Berlin", "04:00", start, true);
	T_EQ_INT(end, 1774749600 * S);
	T_EQ_INT(end - start, 2 * 3600 * S);
}

T_TEST(clock_across_autumn_change)
{
	/* 01:00 CEST (23:00Z the day before) to 04:00 CET (03:00Z): four. */
	int64_t start = at("Europe/Berlin", "2026-10-25T01:00", 0, false);
	T_EQ_INT(start, 1792882800 * S);
	int64_t end = at("Europe/Berlin", "04:00", start, true);
	T_EQ_INT(end, 1792897200 * S);
	T_EQ_INT(end - start, 4 * 3600 * S);
}

T_TEST(clock_wraps_to_next_day)
{
	int64_t start = at("Europe/Moscow", "2026-12-05T23:00", 0, false);
	T_EQ_INT(start, 1796500800 * S);
	T_EQ_INT(at("Europe/Moscow", "04:00", start, true), 1796518800 * S);
	/* Not after: the clock on the start's own day, even if earlier. */
	T_EQ_INT(at("Europe/Moscow", "02:00", start, false), 1796425200 * S);
	/* Equal to the start is not after it: the next day. */
	T_EQ_INT(at("Europe/Moscow", "23:00", start, true),
	    start + 24 * 3600 * S);
}

T_TEST(bad_text)
{
	T_EQ_INT(at("UTC", "2026-02-30T01:00", 0, false), -1);
	T_EQ_INT(at("UTC", "2026-12-05", 0, false), -1);
	T_EQ_INT(at("UTC", "25:00", 0, true), -1);
	T_EQ_INT(at("UTC", "4am", 0, true), -1);
	T_EQ_INT(at("UTC", "2026-12-05T02:00:07", 0, false),
	    (1796436000LL + 7) * S);
}

T_TEST(format_in_zone)
{
	int64_t us = at("Europe/Moscow", "2026-12-05T02:00", 0, false);
	char *s = sched_fmt("Europe/Moscow", us);
	T_EQ_STR(s, "2026-12-05 02:00 MSK");
	free(s);
	s = sched_fmt("UTC", us + 5 * S);
	T_EQ_STR(s, "2026-12-04 23:00:05 UTC");
	free(s);
}

T_TEST(zone_names)
{
	T_OK(sched_tz_valid("Europe/Moscow"));
	T_OK(sched_tz_valid("UTC"));
	T_OK(!sched_tz_valid("Mars/Olympus_Mons"));
	T_OK(!sched_tz_valid("../../etc/passwd"));
	T_OK(!sched_tz_valid("/usr/share/zoneinfo/UTC"));
	T_OK(!sched_tz_valid(""));
}

T_TEST(tz_env_restored)
{
	setenv("TZ", "Asia/Tokyo", 1);
	(void)at("Europe/Berlin", "2026-03-29T01:00", 0, false);
	T_EQ_STR(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	(void)at("Europe/Berlin", "2026-03-29T01:00", 0, false);
	T_OK(getenv("TZ") == NULL);
}

/* A plan from text; its errors on stderr when it does not load. */
static struct plan *
load(const char *y)
{
	char *errs = NULL;
	struct plan *p = plan_load_mem("p.yml", y, strlen(y), &errs);

	if (p == NULL) {
		fprintf(stderr, "%s", errs);
		free(errs);
	}
	return p;
}

T_TEST(plan_keys)
{
	static const char y[] =
	    "cutover: 1\nname: s\n"
	    "schedule: {start: 2026-12-05T02:00, tz: Europe/Moscow, "
	    "not_after: \"04:00\"}\n"
	    "roles: {dba: [alice, bob], lead: [carol]}\n"
	    "two_person: [rollback]\n"
	    "checks:\n"
	    "  - {id: b, kind: manual, ask: ok?, due: T-48h, approvers: [dba],"
	    " quorum: 2}\n"
	    "phases:\n"
	    "  - id: cut\n"
	    "    schedule: {not_before: \"02:30\"}\n"
	    "    window: {max: \"03:30\"}\n"
	    "    steps: [{id: s, run: [true]}]\n";
	struct plan *p = load(y);
	T_OK(p != NULL);
	if (p == NULL)
		return;
	const struct schedule *s = p->sched;
	T_EQ_INT(s->start_us, 1796425200 * S);
	T_EQ_INT(s->not_after_us, s->start_us + 2 * 3600 * S);
	T_OK(s->two_rollback && !s->two_force);
	T_EQ_INT(s->nroles, 2);
	T_EQ_INT(s->checks[0].due_before_us, 48 * 3600 * S);
	T_EQ_INT(s->checks[0].approve.quorum, 2);
	T_EQ_INT(s->phases[0].not_before_us, s->start_us + 1800 * S);
	T_EQ_INT(s->phases[0].window_max_at_us, s->start_us + 5400 * S);
	/* Planned length from the phase's start; fixed when it starts. */
	T_EQ_INT(p->phases[0].window.max_us, 3600 * S);
	schedule_window(p, &p->phases[0], s->start_us + 3000 * S);
	T_EQ_INT(p->phases[0].window.max_us, 2400 * S);
	plan_free(p);
}

/*
 * A phase's not_before as a clock time is the first such time at or after
 * the plan's start: a night's run from 23:00 holds its cut until 00:30
 * the next day (read on the start's day it was 00:30 before the start,
 * and held nothing back); equal to the start, it is the start.
 */
T_TEST(phase_not_before_after_midnight)
{
	static const char y[] =
	    "cutover: 1\nname: s\n"
	    "schedule: {start: 2026-12-05T23:00, tz: Europe/Moscow}\n"
	    "phases:\n"
	    "  - id: prepare\n"
	    "    schedule: {not_before: \"23:00\", not_after: \"23:30\"}\n"
	    "    steps: [{id: s, run: [true]}]\n"
	    "  - id: cut\n"
	    "    schedule: {not_before: \"00:30\", not_after: \"01:00\"}\n"
	    "    steps: [{id: t, run: [true]}]\n";
	struct plan *p = load(y);
	T_OK(p != NULL);
	if (p == NULL)
		return;
	const struct schedule *s = p->sched;
	T_EQ_INT(s->phases[0].not_before_us, s->start_us);
	T_EQ_INT(s->phases[0].not_after_us, s->start_us + 1800 * S);
	T_EQ_INT(s->phases[1].not_before_us, s->start_us + 5400 * S);
	T_EQ_INT(s->phases[1].not_after_us, s->start_us + 7200 * S);
	plan_free(p);
}

T_SUITE(schedule, spring_gap_is_an_error, autumn_twice_is_the_earlier,
    clock_across_spring_change, clock_across_autumn_change,
    clock_wraps_to_next_day, bad_text, format_in_zone, zone_names,
    tz_env_restored, plan_keys, phase_not_before_after_midnight)
