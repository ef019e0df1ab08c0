/*
 * validate.c - streaming content validation: a decompression layer
 * (none, gzip, zstd) feeding a content layer (none, tar, SQL dump).
 *
 * Both layers decide what they are from the first bytes they see, so a
 * small prefix is held back until there are enough bytes to recognise a
 * format (tar's "ustar" is at offset 257; dump headers are in the first
 * lines).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "util.h"
#include "validate.h"
#include "xmalloc.h"

enum outer { OUT_UNKNOWN, OUT_RAW, OUT_GZIP, OUT_ZSTD };
enum inner { IN_UNKNOWN, IN_DATA, IN_TAR, IN_MYSQL, IN_PG };

#define SNIFF_OUTER	4
#define SNIFF_INNER	1024		/* dump headers sit in the first lines */
#define TAIL_MAX	4096		/* trailers are in the last lines */
#define OUT_CHUNK	(256 * 1024)

struct validator {
	char		*name;
	bool		 want_gz, want_zst, want_tar;
	enum outer	 outer;
	enum inner	 inner;
	bool		 failed;
	char		*what;		/* the verdict, or the failure */
	unsigned char	 sniff[SNIFF_INNER];
	size_t		 nsniff;	/* outer or inner prefix held back */
	uint64_t	 in_bytes, out_bytes;

	z_stream	 z;
	bool		 z_init, z_end;	/* a member is open / ended cleanly */
	int		 members;
	ZSTD_DCtx	*zd;
	size_t		 zs_ret;	/* last ZSTD_decompressStream result */
	unsigned char	*obuf;

	/* tar */
	unsigned char	 hdr[512];
	size_t		 nhdr;
	uint64_t	 skip;		/* data bytes of the current member */
	int		 zero_blocks;
	bool		 tar_end;
	uint64_t	 members_tar;
	uint64_t	 tar_off;	/* bytes of the archive walked */

	/* SQL dumps: the last bytes, as a ring */
	unsigned char	 tail[TAIL_MAX];
	size_t		 ntail, tailpos;
};

static void
fail(struct validator *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct validator *v, const char *fmt, ...)
{
	va_list ap;

	if (v->failed)
		return;
	v->failed = true;
	free(v->what);
	va_start(ap, fmt);
	v->what = xvasprintf(fmt, ap);
	va_end(ap);
}

struct validator *
validate_new(const char *name)
{
	struct validator *v = xcalloc(1, sizeof(*v));
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	v->name = xstrdup(base);
	v->want_gz = ends_with(base, ".gz") || ends_with(base, ".tgz");
	v->want_zst = ends_with(base, ".zst") || ends_with(base, ".tzst");
	v->want_tar = ends_with(base, ".tar") || ends_with(base, ".tgz") ||
	    ends_with(base, ".tzst") || strstr(base, ".tar.") != NULL;
	return v;
}

/* ---- content layer ---------------------------------------------------- */

static uint64_t
tar_number(const unsigned char *f, size_t n, bool *ok)
{
	uint64_t v = 0;
	size_t i = 0;

	*ok = true;
	if (f[0] & 0x80) {
		/* GNU base-256 for sizes past 8 GiB. */
		v = f[0] & 0x7f;
		for (i = 1; i < n; i++)
			v = (v << 8) | f[i];
		return v;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	if (i < n && f[i] != '\0' && f[i] != ' ')
		*ok = false;
	return v;
}

static void
tar_header(struct validator *v)
{
	bool zero = true, ok;

	for (size_t i = 0; i < 512 && zero; i++)
		zero = v->hdr[i] == 0;
	if (zero) {
		if (++v->zero_blocks == 2)
			v->tar_end = true;
		return;
	}
	if (v->zero_blocks == 1) {
		fail(v, "tar: a lone zero block before member %llu (archive "
		    "damaged)", (unsigned long long)v->members_tar + 1);
		return;
	}
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : v->hdr[i];
	uint64_t want = tar_number(v->hdr + 148, 8, &ok);
	if (!ok || want != sum) {
		fail(v, "tar: bad header checksum at offset %llu (not a tar, or "
		    "damaged)", (unsigned long long)(v->tar_off - 512));
		return;
	}
	uint64_t size = tar_number(v->hdr + 124, 12, &ok);
	char type = (char)v->hdr[156];
	/* Links, devices, directories and FIFOs store no data blocks. */
	if (type >= '1' && type <= '6')
		size = 0;
	v->skip = (size + 511) / 512 * 512;
	v->members_tar++;
}

static void
tar_feed(struct validator *v, const unsigned char *p, size_t n)
{
	while (n > 0 && !v->failed) {
		if (v->tar_end) {
			/* Padding to the record size; tar ignores the rest too. */
			return;
		}
		if (v->skip > 0) {
			size_t k = n < v->skip ? n : (size_t)v->skip;
			v->skip -= k;
			v->tar_off += k;
			p += k;
			n -= k;
			continue;
		}
		size_t k = 512 - v->nhdr;
		if (k > n)
			k = n;
		memcpy(v->hdr + v->nhdr, p, k);
		v->nhdr += k;
		v->tar_off += k;
		p += k;
		n -= k;
		if (v->nhdr == 512) {
			v->nhdr = 0;
			tar_header(v);
		}
	}
}

static void
tail_feed(struct validator *v, const unsigned char *p, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(v->tail, p + n - TAIL_MAX, TAIL_MAX);
		v->ntail = TAIL_MAX;
		v->tailpos = 0;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		v->tail[v->tailpos] = p[i];
		v->tailpos = (v->tailpos + 1) % TAIL_MAX;
	}
	v->ntail = v->ntail + n > TAIL_MAX ? TAIL_MAX : v->ntail + n;
}

static bool
has(const unsigned char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void
inner_decide(struct validator *v)
{
	const unsigned char *s = v->sniff;
	size_t n = v->nsniff;

	if (n >= 263 && (memcmp(s + 257, "ustar", 5) == 0))
		v->inner = IN_TAR;
	else if (has(s, n, "-- MySQL dump") || has(s, n, "-- MariaDB dump"))
		v->inner = IN_MYSQL;
	else if (has(s, n, "-- PostgreSQL database dump"))
		v->inner = IN_PG;
	else if (v->want_tar)
		v->inner = IN_TAR;	/* old v7 tars have no magic */
	else
		v->inner = IN_DATA;
}

static void
inner_consume(struct validator *v, const unsigned char *p, size_t n)
{
	switch (v->inner) {
	case IN_TAR:
		tar_feed(v, p, n);
		break;
	case IN_MYSQL:
	case IN_PG:
		tail_feed(v, p, n);
		break;
	default:
		break;
	}
	v->out_bytes += n;
}

static void
inner_feed(struct validator *v, const unsigned char *p, size_t n)
{
	if (v->inner == IN_UNKNOWN) {
		size_t k = SNIFF_INNER - v->nsniff;
		if (k > n)
			k = n;
		memcpy(v->sniff + v->nsniff, p, k);
		v->nsniff += k;
		if (v->nsniff < SNIFF_INNER)
			return;
		inner_decide(v);
		inner_consume(v, v->sniff, SNIFF_INNER);
		p += k;
		n -= k;
	}
	inner_consume(v, p, n);
}

/* ---- decompression layer --------------------------------------------- */

static void
gz_feed(struct validator *v, const unsigned char *p, size_t n)
{
	while (n > 0 && !v->failed) {
		if (!v->z_init) {
			if (v->z_end) {
				/* gzip(1) accepts zero padding after a member. */
				size_t i = 0;
				while (i < n && p[i] == 0)
					i++;
				if (i == n)
					return;
				p += i;
				n -= i;
				if (p[0] != 0x1f) {
					fail(v, "gzip: %llu bytes of trailing garbage "
					    "after member %d", (unsigned long long)n,
					    v->members);
					return;
				}
			}
			memset(&v->z, 0, sizeof(v->z));
			if (inflateInit2(&v->z, 16 + MAX_WBITS) != Z_OK) {
				fail(v, "gzip: cannot initialise zlib");
				return;
			}
			v->z_init = true;
			v->z_end = false;
		}
		v->z.next_in = (unsigned char *)p;
		v->z.avail_in = (uInt)n;
		int zr;
		do {
			v->z.next_out = v->obuf;
			v->z.avail_out = OUT_CHUNK;
			zr = inflate(&v->z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				fail(v, "gzip: corrupt data after %llu compressed "
				    "bytes: %s", (unsigned long long)v->in_bytes,
				    v->z.msg ? v->z.msg : "inflate error");
				return;
			}
			inner_feed(v, v->obuf, OUT_CHUNK - v->z.avail_out);
		} while (zr == Z_OK && (v->z.avail_in > 0 ||
		    v->z.avail_out == 0));
		size_t used = n - v->z.avail_in;
		p += used;
		n -= used;
		if (zr == Z_STREAM_END) {
			inflateEnd(&v->z);
			v->z_init = false;
			v->z_end = true;
			v->members++;
		} else if (zr == Z_BUF_ERROR && v->z.avail_in > 0) {
			fail(v, "gzip: inflate made no progress");
			return;
		}
	}
}

static void
zst_feed(struct validator *v, const unsigned char *p, size_t n)
{
	ZSTD_inBuffer in = { p, n, 0 };

	while (in.pos < in.size && !v->failed) {
		ZSTD_outBuffer out = { v->obuf, OUT_CHUNK, 0 };
		size_t r = ZSTD_decompressStream(v->zd, &out, &in);
		if (ZSTD_isError(r)) {
			fail(v, "zstd: corrupt data after %llu compressed bytes: "
			    "%s", (unsigned long long)v->in_bytes,
			    ZSTD_getErrorName(r));
			return;
		}
		v->zs_ret = r;
		inner_feed(v, v->obuf, out.pos);
		if (r == 0)
			v->members++;
	}
	/* Flush what the decoder still holds for this input. */
	for (;;) {
		ZSTD_outBuffer out = { v->obuf, OUT_CHUNK, 0 };
		ZSTD_inBuffer none = { NULL, 0, 0 };
		if (v->failed || v->zs_ret == 0)
			break;
		size_t r = ZSTD_decompressStream(v->zd, &out, &none);
		if (ZSTD_isError(r)) {
			fail(v, "zstd: %s", ZSTD_getErrorName(r));
			return;
		}
		v->zs_ret = r;
		inner_feed(v, v->obuf, out.pos);
		if (out.pos == 0)
			break;
	}
}

static void
outer_start(struct validator *v)
{
	const unsigned char *s = v->sniff;

	if (v->nsniff >= 2 && s[0] == 0x1f && s[1] == 0x8b)
		v->outer = OUT_GZIP;
	else if (v->nsniff >= 4 && s[0] == 0x28 && s[1] == 0xb5 &&
	    s[2] == 0x2f && s[3] == 0xfd)
		v->outer = OUT_ZSTD;
	else
		v->outer = OUT_RAW;
	if (v->want_gz && v->outer != OUT_GZIP)
		fail(v, "named '%s' but is not gzip data", v->name);
	if (v->want_zst && v->outer != OUT_ZSTD)
		fail(v, "named '%s' but is not zstd data", v->name);
	if (v->outer != OUT_RAW)
		v->obuf = xmalloc(OUT_CHUNK);
	if (v->outer == OUT_ZSTD) {
		v->zd = ZSTD_createDCtx();
		if (v->zd == NULL)
			abort();
		v->zs_ret = 1;
	}
}

static void
outer_feed(struct validator *v, const unsigned char *p, size_t n)
{
	switch (v->outer) {
	case OUT_GZIP:
		gz_feed(v, p, n);
		break;
	case OUT_ZSTD:
		zst_feed(v, p, n);
		break;
	default:
		inner_feed(v, p, n);
		break;
	}
}

void
validate_feed(struct validator *v, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (v->failed || n == 0)
		return;
	if (v->outer == OUT_UNKNOWN) {
		/* Hold back the first bytes until the magic can be read. */
		size_t k = SNIFF_OUTER - v->nsniff;
		if (k > n)
			k = n;
		memcpy(v->sniff + v->nsniff, p, k);
		v->nsniff += k;
		if (v->nsniff < SNIFF_OUTER)
			return;
		outer_start(v);
		unsigned char held[SNIFF_OUTER];
		memcpy(held, v->sniff, SNIFF_OUTER);
		v->nsniff = 0;
		v->in_bytes += SNIFF_OUTER;
		outer_feed(v, held, SNIFF_OUTER);
		p += k;
		n -= k;
		if (v->failed || n == 0)
			return;
	}
	v->in_bytes += n;
	outer_feed(v, p, n);
}

static bool
tail_has(struct validator *v, const char *needle)
{
	unsigned char lin[TAIL_MAX];
	size_t start = v->ntail < TAIL_MAX ? 0 : v->tailpos;

	for (size_t i = 0; i < v->ntail; i++)
		lin[i] = v->tail[(start + i) % TAIL_MAX];
	return has(lin, v->ntail, needle);
}

int
validate_finish(struct validator *v, const char **what)
{
	if (v->outer == OUT_UNKNOWN && !v->failed) {
		/* A file shorter than the outer sniff: decide now. */
		size_t n = v->nsniff;
		unsigned char held[SNIFF_OUTER];
		memcpy(held, v->sniff, n);
		v->nsniff = 0;
		outer_start(v);
		v->in_bytes += n;
		outer_feed(v, held, n);
	}
	if (!v->failed && v->outer == OUT_GZIP && (v->z_init || !v->z_end))
		fail(v, "gzip: stream truncated after %llu bytes (no end of "
		    "member %d)", (unsigned long long)v->in_bytes,
		    v->members + 1);
	if (!v->failed && v->outer == OUT_ZSTD && (v->zs_ret != 0 ||
	    v->members == 0))
		fail(v, "zstd: stream truncated after %llu bytes (frame not "
		    "finished)", (unsigned long long)v->in_bytes);
	if (!v->failed && v->inner == IN_UNKNOWN) {
		inner_decide(v);
		inner_consume(v, v->sniff, v->nsniff);
	}
	if (!v->failed && v->inner == IN_TAR && !v->tar_end) {
		if (v->skip > 0 || v->nhdr > 0)
			fail(v, "tar: truncated inside member %llu",
			    (unsigned long long)v->members_tar);
		else
			fail(v, "tar: no end-of-archive blocks after %llu "
			    "members (truncated?)",
			    (unsigned long long)v->members_tar);
	}
	if (!v->failed && v->inner == IN_MYSQL && !tail_has(v,
	    "-- Dump completed"))
		fail(v, "mysqldump: no '-- Dump completed' trailer (dump "
		    "incomplete)");
	if (!v->failed && v->inner == IN_PG && !tail_has(v,
	    "PostgreSQL database dump complete"))
		fail(v, "pg_dump: no 'PostgreSQL database dump complete' "
		    "trailer (dump incomplete)");
	if (!v->failed) {
		struct buf b = BUF_INIT;
		if (v->outer == OUT_GZIP)
			buf_adds(&b, "gzip ok, ");
		else if (v->outer == OUT_ZSTD)
			buf_adds(&b, "zstd ok, ");
		switch (v->inner) {
		case IN_TAR:
			buf_addf(&b, "tar complete, %llu members",
			    (unsigned long long)v->members_tar);
			break;
		case IN_MYSQL:
			buf_adds(&b, "mysqldump complete");
			break;
		case IN_PG:
			buf_adds(&b, "pg_dump complete");
			break;
		default:
			buf_adds(&b, "data");
			break;
		}
		free(v->what);
		v->what = buf_detach(&b);
	}
	*what = v->what;
	return v->failed ? -1 : 0;
}

void
validate_free(struct validator *v)
{
	if (v == NULL)
		return;
	if (v->z_init)
		inflateEnd(&v->z);
	ZSTD_freeDCtx(v->zd);
	free(v->obuf);
	free(v->what);
	free(v->name);
	free(v);
}
