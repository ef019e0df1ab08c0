/*
 * lazy_hiredis.h - hiredis loaded on first use (lazy.h): kind redis and
 * latency's redis probe.
 */
#ifndef CUTOVER_LAZY_HIREDIS_H
#define CUTOVER_LAZY_HIREDIS_H

#include <hiredis/hiredis.h>

#include "lazy.h"

#define LAZY_HIREDIS_LIST(F, V)	\
	F(freeReplyObject) F(redisBufferRead) F(redisBufferWrite)	\
	F(redisConnectWithTimeout) F(redisFree)	\
	F(redisGetReplyFromReader) F(redisSetTimeout)	\
	F(redisvAppendCommand)
LAZY_DECLARE(hiredis, LAZY_HIREDIS, LAZY_HIREDIS_LIST)

#define freeReplyObject (lazy_hiredis()->freeReplyObject)
#define redisBufferRead (lazy_hiredis()->redisBufferRead)
#define redisBufferWrite (lazy_hiredis()->redisBufferWrite)
#define redisConnectWithTimeout (lazy_hiredis()->redisConnectWithTimeout)
#define redisFree (lazy_hiredis()->redisFree)
#define redisGetReplyFromReader (lazy_hiredis()->redisGetReplyFromReader)
#define redisSetTimeout (lazy_hiredis()->redisSetTimeout)
#define redisvAppendCommand (lazy_hiredis()->redisvAppendCommand)
#endif
