/*
 * journal_int.h - what journal.c shares with journal_watch.c (the watch
 * tables): the handle and the commit hook.  Not for other rooms.
 */
#ifndef CUTOVER_JOURNAL_INT_H
#define CUTOVER_JOURNAL_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "journal.h"

struct journal {
	sqlite3	*db;
	char	*path;
	int	 lockfd;
	/*
	 * The alert sender journals deliveries from its own thread on this
	 * connection.  SQLite serialises each call, but a write and the
	 * last_insert_rowid or errmsg read after it are two calls, a load is
	 * many, and a watch round is one transaction of many statements:
	 * each holds mu across all of its calls.  Recursive, so that a
	 * write that returns a row id can take it around jw().
	 */
	pthread_mutex_t	 mu;
	sqlite3_stmt *data_version;	/* prepared once: serve asks per request */
	/* Prepared once: a watch's every round (journal_watch.c). */
	sqlite3_stmt *ins_samples;
	/* Samples in sample_rounds (1) or, read-only, samples (2); 0 unknown. */
	int	 rounds;
};

/*
 * Step and finalize st, one write in autocommit, with j->mu held by the
 * caller; releases it.  0, or -1 with *errp.
 */
int	 journal_write(struct journal *j, sqlite3_stmt *st, char **errp);
/* After every commit: the fault injection of CUTOVER_JOURNAL_KILL_AFTER. */
void	 journal_committed(void);
extern const char journal_watch_schema[];
/* An earlier release's samples table into sample_rounds (journal_watch.c). */
int	 journal_watch_upgrade(sqlite3 *db, char **e);
/* The watches of run into l (no samples). */
int	 journal_watches_load(struct journal *j, int64_t run, struct jlog *l,
	    char **errp);

#endif
