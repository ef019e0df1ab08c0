/*
 * hash.h - file digests for manifests: SHA-256, SHA-512, SHA-1 and MD5
 * through OpenSSL's EVP (which picks the CPU's SHA extensions when they
 * exist) and XXH3-128 through libxxhash.
 *
 * Digests are printed as lowercase hex in the byte order the matching
 * coreutils tool (sha256sum, md5sum) or xxhsum -H2 prints, so manifests
 * interoperate both ways.
 */
#ifndef CUTOVER_HASH_H
#define CUTOVER_HASH_H

#include <stddef.h>

enum hash_algo { HASH_SHA256, HASH_SHA512, HASH_SHA1, HASH_MD5, HASH_XXH128,
	HASH_NALGOS };

#define HASH_HEX_MAX	129		/* SHA-512 and the terminator */

struct hasher;

/* "sha256", "xxh128", ... (case-insensitive); -1 when unknown. */
int	 hash_algo_find(const char *name);
const char *hash_algo_name(enum hash_algo a);
/* Digest length in hex digits. */
size_t	 hash_hex_len(enum hash_algo a);

struct hasher *hash_new(enum hash_algo a);
void	 hash_update(struct hasher *h, const void *data, size_t n);
/* Write the hex digest to hex (HASH_HEX_MAX bytes) and reset h. */
void	 hash_final(struct hasher *h, char *hex);
void	 hash_free(struct hasher *h);

#endif
