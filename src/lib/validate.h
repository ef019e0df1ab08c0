/*
 * validate.h - is a backup file whole, beyond its hash?
 *
 * A validator is fed a file's bytes in order (the same chunks that are
 * hashed, so the file is read once) and says at the end whether the
 * content is complete:
 *
 *   - gzip (possibly several members) is inflated to its last member's
 *     CRC and length check; zstd frames, skippable ones included (pzstd
 *     writes one first), are decoded to their end (and their content
 *     checksum, when the frame has one);
 *   - a tar archive, plain or inside the compression, is walked header by
 *     header (checksums verified, sizes that do not fit 63 bits refused)
 *     to its two end-of-archive blocks;
 *   - a pg_dump custom-format archive (-Fc) is walked through its header,
 *     TOC and data blocks to its last byte; a version this walker does
 *     not know fails as "not validated";
 *   - a mysqldump, pg_dump or sqlite3 .dump SQL script, plain or
 *     compressed, must end with its completion trailer ("-- Dump
 *     completed", "-- PostgreSQL database dump complete", "COMMIT;"),
 *     followed by nothing but blank (pg_dump: "--", \unrestrict) lines: a
 *     dump killed halfway and then compressed properly has a valid gzip
 *     stream but no trailer, and a second, cut dump appended after a
 *     whole one leaves the trailer mid-file.
 *
 * Formats are recognised by their magic bytes; the file name adds an
 * expectation (a ".gz" that is not gzip fails).  Anything else passes
 * with kind "data".  Memory is bounded whatever the input.
 */
#ifndef CUTOVER_VALIDATE_H
#define CUTOVER_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

struct validator;

/* name is used only for its suffix (.gz, .tgz, .zst, .tar, .sql). */
struct validator *validate_new(const char *name);
/* Feed the next n bytes; cheap once the validator has failed. */
void	 validate_feed(struct validator *v, const void *data, size_t n);
/*
 * End of file.  Returns 0 when the content is complete, -1 otherwise;
 * either way *what describes it ("gzip, mysqldump complete", "gzip
 * stream truncated after 1048576 bytes") and is owned by v.
 */
int	 validate_finish(struct validator *v, const char **what);
void	 validate_free(struct validator *v);

#endif
