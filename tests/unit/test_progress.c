/* test_progress.c - the progress reporter: its text, ETA, and lines. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "lib/buf.h"
#include "lib/progress.h"
#include "lib/redact.h"
#include "lib/util.h"

T_TEST(counts_text)
{
	struct buf b = BUF_INIT;
	struct progress_view v = { .items = 120, .items_total = 700,
	    .bytes = 3LL << 30, .bytes_total = 12LL << 30, .secs = 10 };

	progress_render_counts(&b, &v, "files");
	T_EQ_STR(b.s, "120 of 700 files, 3.0 GiB of 12.0 GiB, 307.2 MiB/s, 10s, "
	    "ETA 30s");
	buf_reset(&b);
	v.last = true;
	progress_render_counts(&b, &v, "files");
	T_OK(strstr(b.s, "ETA") == NULL);	/* the closing line has none */
	buf_reset(&b);
	struct progress_view rows = { .items = 5000, .secs = 2 };
	progress_render_counts(&b, &rows, "rows");
	T_EQ_STR(b.s, "5000 rows, 2500 rows/s, 2s");
	buf_release(&b);
}

T_TEST(eta)
{
	struct buf b = BUF_INIT;

	progress_add_eta(&b, 5, 1000, 1);	/* under 1%: not yet */
	T_EQ_STR(b.s ? b.s : "", "");
	progress_add_eta(&b, 100, 1000, 10);
	T_EQ_STR(b.s, ", ETA 1m30s");
	buf_reset(&b);
	progress_add_eta(&b, 1000, 1000, 10);	/* done */
	T_EQ_STR(b.s ? b.s : "", "");
	buf_release(&b);
}

/* Lines on a non-terminal stderr, with --progress: each ends in \n. */
T_TEST(plain_lines)
{
	char path[] = "/tmp/cutover-progress.XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);

	T_OK(progress_new("x", "files", PROGRESS_OFF) == NULL);
	T_OK(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	redact_add("Secret-Label-991");
	struct progress *p = progress_new("copy Secret-Label-991", "files",
	    PROGRESS_ON);
	progress_set_total(p, 4, 0);
	progress_start(p);
	progress_add(p, 1, 0);
	sleep_us(1200 * 1000);
	progress_add(p, 3, 0);
	progress_end(p, true);
	/* Without a terminal, TTY-only is nothing at all. */
	T_OK(progress_new("y", "checks", PROGRESS_TTY) == NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char text[4096] = "";
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	T_OK(n > 0);
	T_OK(strstr(text, "copy ***: 1 of 4 files") != NULL);
	T_OK(strstr(text, "copy ***: 4 of 4 files") != NULL);
	T_OK(strstr(text, "Secret-Label") == NULL);
	T_OK(strchr(text, '\r') == NULL);
	T_OK(n > 0 && text[n - 1] == '\n');
	redact_clear();
}

T_SUITE(progress, counts_text, eta, plain_lines)
