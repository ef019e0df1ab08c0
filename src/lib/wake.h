/*
 * wake.h - a sleep that a signal handler ends at once, on whichever
 * thread the signal lands (a self-pipe).
 */
#ifndef CUTOVER_WAKE_H
#define CUTOVER_WAKE_H

#include <stdint.h>

/* Make the pipe (idempotent; before the handler is installed). */
void	 wake_init(void);
/* From a signal handler: end the current or next wake_sleep_us. */
void	 wake_post(void);
/* Sleep up to us, less if wake_post was called (since the last wake). */
void	 wake_sleep_us(int64_t us);

#endif
