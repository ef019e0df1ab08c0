/*
 * journal_int.h - what journal.c shares with journal_watch.c (the watch
 * tables): the handle and the commit hook.  Not for other rooms.
 */
#ifndef CUTOVER_JOURNAL_INT_H
#define CUTOVER_JOURNAL_INT_H

#include <sqlite3.h>

#include "journal.h"

struct journal {
	sqlite3	*db;
	char	*path;
	int	 lockfd;
};

/* After every commit: the fault injection of CUTOVER_JOURNAL_KILL_AFTER. */
void	 journal_committed(void);
extern const char journal_watch_schema[];
/* The watches of run into l (no samples). */
int	 journal_watches_load(struct journal *j, int64_t run, struct jlog *l,
	    char **errp);

#endif
