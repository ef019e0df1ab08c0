/*
 * wake.c - a sleep that a signal handler ends (wake.h).
 *
 * A watch slept in 100-ms slices so as to see SIGINT/SIGTERM: nanosleep
 * is not interrupted when the signal is delivered to another thread (a
 * check worker).  Each slice is a wake-up and a context switch, 25-30 us
 * of CPU on the bench's virtual machine (a bare nanosleep loop): ten a
 * round of a watch `every: 1s`, as much as 0.4 us a sample of 700
 * checks.  Now the handler writes a byte to a pipe that the sleeper
 * polls, so the watch sleeps to the next sample in one go.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "lib/util.h"
#include "lib/wake.h"

static int fds[2] = { -1, -1 };
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
make_pipe(void)
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		fds[0] = fds[1] = -1;
}

void
wake_init(void)
{
	pthread_once(&once, make_pipe);
}

void
wake_post(void)
{
	int e = errno;

	if (fds[1] >= 0)
		(void)!write(fds[1], "w", 1);	/* full: a wake is pending */
	errno = e;
}

void
wake_sleep_us(int64_t us)
{
	if (us <= 0)
		return;
	if (fds[0] < 0) {
		sleep_us(us);
		return;
	}
	struct pollfd pf = { .fd = fds[0], .events = POLLIN };
	int ms = (int)((us + 999) / 1000);
	if (poll(&pf, 1, ms) > 0) {
		char b[64];
		while (read(fds[0], b, sizeof(b)) > 0)
			;
	}
}
