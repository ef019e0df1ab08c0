/* hash.c - EVP and XXH3 digests behind one small interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "hash.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	size_t		 hexlen;
} algos[HASH_NALGOS] = {
	[HASH_SHA256] = { "sha256", 64 },
	[HASH_SHA512] = { "sha512", 128 },
	[HASH_SHA1] = { "sha1", 40 },
	[HASH_MD5] = { "md5", 32 },
	[HASH_XXH128] = { "xxh128", 32 },
};

struct hasher {
	enum hash_algo	 algo;
	EVP_MD_CTX	*md;		/* EVP algorithms */
	XXH3_state_t	*xx;		/* HASH_XXH128 */
};

int
hash_algo_find(const char *name)
{
	for (int i = 0; i < HASH_NALGOS; i++)
		if (strcasecmp(name, algos[i].name) == 0)
			return i;
	/* The spellings other tools use in tags and option values. */
	if (strcasecmp(name, "sha-256") == 0)
		return HASH_SHA256;
	if (strcasecmp(name, "xxh3-128") == 0 || strcasecmp(name, "xxh3_128") == 0)
		return HASH_XXH128;
	return -1;
}

const char *
hash_algo_name(enum hash_algo a)
{
	return algos[a].name;
}

size_t
hash_hex_len(enum hash_algo a)
{
	return algos[a].hexlen;
}

static const EVP_MD *
evp_of(enum hash_algo a)
{
	switch (a) {
	case HASH_SHA256: return EVP_sha256();
	case HASH_SHA512: return EVP_sha512();
	case HASH_SHA1: return EVP_sha1();
	case HASH_MD5: return EVP_md5();
	default: return NULL;
	}
}

static void
reset(struct hasher *h)
{
	if (h->xx)
		XXH3_128bits_reset(h->xx);
	else
		EVP_DigestInit_ex(h->md, evp_of(h->algo), NULL);
}

struct hasher *
hash_new(enum hash_algo a)
{
	struct hasher *h = xcalloc(1, sizeof(*h));

	h->algo = a;
	if (a == HASH_XXH128) {
		h->xx = XXH3_createState();
		if (h->xx == NULL)
			abort();
	} else {
		h->md = EVP_MD_CTX_new();
		if (h->md == NULL)
			abort();
	}
	reset(h);
	return h;
}

void
hash_update(struct hasher *h, const void *data, size_t n)
{
	if (h->xx)
		XXH3_128bits_update(h->xx, data, n);
	else
		EVP_DigestUpdate(h->md, data, n);
}

static void
tohex(const unsigned char *b, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
hash_final(struct hasher *h, char *hex)
{
	if (h->xx) {
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h->xx));
		tohex(c.digest, sizeof(c.digest), hex);
	} else {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		EVP_DigestFinal_ex(h->md, md, &n);
		tohex(md, n, hex);
	}
	reset(h);
}

void
hash_free(struct hasher *h)
{
	if (h == NULL)
		return;
	if (h->xx)
		XXH3_freeState(h->xx);
	EVP_MD_CTX_free(h->md);
	free(h);
}
