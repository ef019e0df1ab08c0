/* progress.c - the live or periodic progress line; see progress.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "redact.h"
#include "units.h"
#include "util.h"
#include "xmalloc.h"

/* The drawing thread wakes this often to see whether a line is due. */
#define TICK_US		(100 * 1000LL)

struct progress {
	char			*label, *unit;
	enum progress_mode	 mode;
	bool			 tty;
	atomic_llong		 items, items_total, bytes, bytes_total;
	int64_t			 t0;
	progress_render_fn	*fn;
	void			*arg;

	pthread_mutex_t		 lock;	/* the fields below, and stderr */
	pthread_cond_t		 wake;
	pthread_t		 th;
	bool			 started, stop;
	int			 held;
	size_t			 drawn;		/* columns of the live line on
						   screen; 0: none */
	bool			 printed;	/* a line was printed */
	int64_t			 next;		/* the next line is due */
	int64_t			 every;
};

struct progress *
progress_new(const char *label, const char *unit, enum progress_mode mode)
{
	bool tty = isatty(2);

	if (mode == PROGRESS_OFF || (mode == PROGRESS_TTY && !tty))
		return NULL;
	struct progress *p = xcalloc(1, sizeof(*p));
	p->label = xstrdup(label);
	p->unit = xstrdup(unit ? unit : "items");
	p->mode = mode;
	p->tty = tty;
	p->every = tty ? PROGRESS_TTY_US : mode == PROGRESS_ON ?
	    PROGRESS_FORCED_US : PROGRESS_PLAIN_US;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->t0 = now_mono_us();
	return p;
}

void
progress_set_render(struct progress *p, progress_render_fn *fn, void *arg)
{
	if (p == NULL)
		return;
	p->fn = fn;
	p->arg = arg;
}

void
progress_set_total(struct progress *p, long long items, long long bytes)
{
	if (p == NULL)
		return;
	atomic_store(&p->items_total, items);
	atomic_store(&p->bytes_total, bytes);
}

void
progress_add(struct progress *p, long long items, long long bytes)
{
	if (p == NULL)
		return;
	if (items)
		atomic_fetch_add(&p->items, items);
	if (bytes)
		atomic_fetch_add(&p->bytes, bytes);
}

static void
add_secs(struct buf *b, double s)
{
	long long n = (long long)(s + 0.5);

	if (n < 60)
		buf_addf(b, "%llds", n);
	else if (n < 3600)
		buf_addf(b, "%lldm%02llds", n / 60, n % 60);
	else
		buf_addf(b, "%lldh%02lldm", n / 3600, (n / 60) % 60);
}

/*
 * No ETA before 1% is done: the first files or rows (a PostgreSQL
 * checksum pass counts its rows only when it ends) say little of the
 * rate, and an ETA that jumps from 3s to 20 minutes helps nobody.
 */
void
progress_add_eta(struct buf *b, double done, double total, double secs)
{
	if (total <= done || done <= 0 || done * 100 < total || secs <= 0)
		return;
	buf_adds(b, ", ETA ");
	add_secs(b, (total - done) / (done / secs));
}

void
progress_render_counts(struct buf *b, const struct progress_view *v,
    const char *unit)
{
	if (v->items_total > 0)
		buf_addf(b, "%lld of %lld %s", v->items, v->items_total, unit);
	else
		buf_addf(b, "%lld %s", v->items, unit);
	bool bytes = v->bytes_total > 0 || v->bytes > 0;
	if (bytes) {
		char *d = fmt_size((uint64_t)v->bytes);
		buf_addf(b, ", %s", d);
		free(d);
		if (v->bytes_total > 0) {
			char *t = fmt_size((uint64_t)v->bytes_total);
			buf_addf(b, " of %s", t);
			free(t);
		}
	}
	double done = bytes ? (double)v->bytes : (double)v->items;
	double total = bytes ? (double)v->bytes_total : (double)v->items_total;
	if (v->secs > 0) {
		double rate = done / v->secs;
		if (bytes) {
			char *r = fmt_size((uint64_t)rate);
			buf_addf(b, ", %s/s", r);
			free(r);
		} else {
			buf_addf(b, ", %.0f %s/s", rate, unit);
		}
	}
	buf_adds(b, ", ");
	add_secs(b, v->secs);
	if (!v->last)
		progress_add_eta(b, done, total, v->secs);
}

/*
 * Cut b to cols columns (UTF-8 aware), so that \r redraws one row;
 * returns the columns left.
 */
static size_t
fit(struct buf *b, size_t cols)
{
	size_t n = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (((unsigned char)b->s[i] & 0xC0) == 0x80)
			continue;
		if (n++ == cols) {
			b->len = i;
			b->s[i] = '\0';
			return cols;
		}
	}
	return n;
}

/*
 * Blank what is left of the previous line: spaces, not an erase escape,
 * so that a dumb terminal and NO_COLOR's users get no escape sequence.
 */
static void
pad(struct buf *out, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		buf_addc(out, ' ');
}

/* Called with p->lock held. */
static void
draw(struct progress *p, bool last)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	struct progress_view v = {
		.items = atomic_load(&p->items),
		.items_total = atomic_load(&p->items_total),
		.bytes = atomic_load(&p->bytes),
		.bytes_total = atomic_load(&p->bytes_total),
		.secs = (double)(now_mono_us() - p->t0) / 1e6,
		.last = last,
	};

	buf_addf(&b, "%s: ", p->label);
	if (p->fn)
		p->fn(&b, &v, p->arg);
	else
		progress_render_counts(&b, &v, p->unit);
	/* Names in the line (tables, checks) may interpolate a secret. */
	char *safe = text_printable(b.s, false);
	char *red = redact(safe);
	buf_reset(&b);
	buf_adds(&b, red);
	free(red);
	free(safe);
	size_t cols = 0;
	if (p->tty) {
		struct winsize ws;
		size_t max = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ?
		    (size_t)ws.ws_col - 1 : 79;
		cols = last ? max : fit(&b, max);
		buf_addc(&out, '\r');
		/* The last line keeps no trailing blanks: blank first. */
		if (last && p->drawn) {
			pad(&out, 0, p->drawn);
			buf_addc(&out, '\r');
		}
	}
	buf_add(&out, b.s, b.len);
	if (p->tty && !last)
		pad(&out, cols, p->drawn);
	if (last || !p->tty)
		buf_addc(&out, '\n');
	fflush(stdout);
	fwrite(out.s, 1, out.len, stderr);
	fflush(stderr);
	p->drawn = p->tty && !last ? cols : 0;
	p->printed = true;
	buf_release(&b);
	buf_release(&out);
}

static void
erase(struct progress *p)
{
	if (p->drawn) {
		struct buf out = BUF_INIT;
		buf_addc(&out, '\r');
		pad(&out, 0, p->drawn);
		buf_addc(&out, '\r');
		fwrite(out.s, 1, out.len, stderr);
		fflush(stderr);
		buf_release(&out);
		p->drawn = 0;
	}
}

static void *
reporter(void *arg)
{
	struct progress *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_US * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		if (p->stop)
			break;
		if (p->held == 0 && now_mono_us() >= p->next) {
			draw(p, false);
			p->next = now_mono_us() + p->every;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void
progress_start(struct progress *p)
{
	if (p == NULL)
		return;
	p->t0 = now_mono_us();
	/* A terminal sees the line at once (first tick); a log after 5 s. */
	p->next = p->tty ? p->t0 : p->t0 + p->every;
	if (pthread_create(&p->th, NULL, reporter, p) == 0)
		p->started = true;
}

void
progress_hold(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->held++;
	erase(p);
	pthread_mutex_unlock(&p->lock);
}

void
progress_release(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	/* Redrawn at the next tick, not after every line held for. */
	if (--p->held == 0 && p->tty)
		p->next = 0;
	pthread_mutex_unlock(&p->lock);
}

void
progress_end(struct progress *p, bool keep)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->started)
		pthread_join(p->th, NULL);
	if (keep && (p->tty || p->mode == PROGRESS_ON || p->printed))
		draw(p, true);
	else
		erase(p);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p->label);
	free(p->unit);
	free(p);
}
