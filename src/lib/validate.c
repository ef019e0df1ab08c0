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
enum inner { IN_UNKNOWN, IN_DATA, IN_TAR, IN_MYSQL, IN_PG, IN_SQLITE,
	IN_PGC };

/*
 * pg_dump's custom format (-Fc), walked as pg_restore reads it
 * (pg_backup_archiver.c ReadHead/ReadToc, pg_backup_custom.c): a header,
 * the TOC, then one data block per TOC entry that has data.  An integer
 * is a sign byte and intSize little-endian bytes; a string is an integer
 * length (-1: NULL) and its bytes.  Only lengths are followed: nothing
 * is kept per entry, so memory stays bounded whatever the TOC says.
 */
enum pgc_step {
	PGC_MAGIC, PGC_VMAJ, PGC_VMIN, PGC_VREV, PGC_INTSZ, PGC_OFFSZ,
	PGC_FMT, PGC_COMPR, PGC_DATE, PGC_HDRSTR, PGC_TOCCOUNT, PGC_FIELD,
	PGC_DEP, PGC_OFFFLAG, PGC_OFFSET, PGC_BLKTYPE, PGC_BLKID,
	PGC_CHUNKLEN, PGC_BLOBOID,
};

/* One TOC entry's fields before its dependencies, by archive version. */
#define PGC_MAXFIELDS	16

struct pgc {
	enum pgc_step	 step;
	unsigned char	 acc[16];
	size_t		 nacc, want;	/* a fixed-size item being gathered */
	uint64_t	 skip;		/* a string's or a chunk's bytes */
	int		 vmaj, vmin, vrev, intsz, offsz;
	int		 count;		/* date ints, header strings */
	char		 fields[PGC_MAXFIELDS];	/* 'i' int, 's' string */
	int		 nfields, field;
	int64_t		 ntoc, itoc;
	uint64_t	 pos_set, pos_not_set;	/* entries with data */
	uint64_t	 blocks;
	int		 blktype;
	uint64_t	 off;		/* bytes walked */
};

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

	struct pgc	 pgc;

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
		/*
		 * GNU base-256 for sizes past 8 GiB.  0xff starts a negative
		 * number, and a value that needs more than 63 bits would wrap:
		 * both are damage, not a size (an 11-byte field holds 88 bits).
		 */
		if (f[0] == 0xff) {
			*ok = false;
			return 0;
		}
		v = f[0] & 0x7f;
		for (i = 1; i < n; i++) {
			if (v >> 55) {
				*ok = false;
				return 0;
			}
			v = (v << 8) | f[i];
		}
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
	if (!ok || size > UINT64_MAX - 511) {
		fail(v, "tar: member %llu has an unreadable size field at offset "
		    "%llu (damaged)", (unsigned long long)v->members_tar + 1,
		    (unsigned long long)(v->tar_off - 512 + 124));
		return;
	}
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


/* ---- pg_dump custom format -------------------------------------------- */

#define PGC_VERSION(a, b)	((a) * 100 + (b))

static void
pgc_want(struct pgc *c, enum pgc_step step, size_t n)
{
	c->step = step;
	c->want = n;
	c->nacc = 0;
}

static void
pgc_want_int(struct pgc *c, enum pgc_step step)
{
	pgc_want(c, step, 1 + (size_t)c->intsz);
}

/* The integer in acc: sign byte, then intSize bytes, least first. */
static int64_t
pgc_int(const struct pgc *c)
{
	uint64_t u = 0;

	for (int i = c->intsz; i >= 1; i--)
		u = (u << 8) | c->acc[i];
	if (u > INT64_MAX)
		u = INT64_MAX;
	return c->acc[0] ? -(int64_t)u : (int64_t)u;
}

/* The next TOC entry's first field, or the data blocks. */
static void
pgc_next_entry(struct pgc *c)
{
	c->field = 0;
	if (c->itoc < c->ntoc)
		pgc_want_int(c, PGC_FIELD);
	else
		pgc_want(c, PGC_BLKTYPE, 1);
}

static void
pgc_next_field(struct pgc *c)
{
	if (++c->field < c->nfields)
		pgc_want_int(c, PGC_FIELD);
	else
		pgc_want_int(c, PGC_DEP);
}

static void
pgc_fields(struct pgc *c)
{
	int ver = PGC_VERSION(c->vmaj, c->vmin);
	char *f = c->fields;
	int n = 0;

	f[n++] = 'i';			/* dumpId */
	f[n++] = 'i';			/* hadDumper */
	f[n++] = 's';			/* tableoid */
	f[n++] = 's';			/* oid */
	f[n++] = 's';			/* tag */
	f[n++] = 's';			/* desc */
	f[n++] = 'i';			/* section (1.11) */
	f[n++] = 's';			/* defn */
	f[n++] = 's';			/* dropStmt */
	f[n++] = 's';			/* copyStmt */
	f[n++] = 's';			/* namespace */
	f[n++] = 's';			/* tablespace */
	if (ver >= PGC_VERSION(1, 14))
		f[n++] = 's';		/* tableam */
	if (ver >= PGC_VERSION(1, 16))
		f[n++] = 'i';		/* relkind */
	f[n++] = 's';			/* owner */
	f[n++] = 's';			/* withOids */
	c->nfields = n;
}

/* A whole item is in acc: check it and say what comes next. */
static void
pgc_item(struct validator *v)
{
	struct pgc *c = &v->pgc;
	int64_t x;

	switch (c->step) {
	case PGC_MAGIC:
		if (memcmp(c->acc, "PGDMP", 5) != 0)
			fail(v, "pg_dump custom: bad magic");
		pgc_want(c, PGC_VMAJ, 1);
		break;
	case PGC_VMAJ:
		c->vmaj = c->acc[0];
		pgc_want(c, PGC_VMIN, 1);
		break;
	case PGC_VMIN:
		c->vmin = c->acc[0];
		pgc_want(c, PGC_VREV, 1);
		break;
	case PGC_VREV:
		c->vrev = c->acc[0];
		/*
		 * 1.12 (PostgreSQL 9.5) to 1.16 (17): the layouts this walker
		 * knows.  Any other is said plainly, never passed unread.
		 */
		if (c->vmaj != 1 || c->vmin < 12 || c->vmin > 16) {
			fail(v, "pg_dump custom format version %d.%d.%d: not "
			    "validated (cutover reads 1.12 to 1.16)", c->vmaj,
			    c->vmin, c->vrev);
			return;
		}
		pgc_want(c, PGC_INTSZ, 1);
		break;
	case PGC_INTSZ:
		c->intsz = c->acc[0];
		if (c->intsz < 1 || c->intsz > 8)
			fail(v, "pg_dump custom: integer size %d (damaged)",
			    c->intsz);
		pgc_want(c, PGC_OFFSZ, 1);
		break;
	case PGC_OFFSZ:
		c->offsz = c->acc[0];
		if (c->offsz < 1 || c->offsz > 8)
			fail(v, "pg_dump custom: offset size %d (damaged)",
			    c->offsz);
		pgc_want(c, PGC_FMT, 1);
		break;
	case PGC_FMT:
		if (c->acc[0] != 1) {	/* archCustom */
			fail(v, "pg_dump custom: format byte %d is not the custom "
			    "format (damaged)", c->acc[0]);
			return;
		}
		pgc_fields(c);
		if (PGC_VERSION(c->vmaj, c->vmin) >= PGC_VERSION(1, 15))
			pgc_want(c, PGC_COMPR, 1);	/* an algorithm byte */
		else
			pgc_want_int(c, PGC_COMPR);	/* a zlib level */
		break;
	case PGC_COMPR:
		c->count = 0;
		pgc_want_int(c, PGC_DATE);
		break;
	case PGC_DATE:
		/* sec, min, hour, mday, mon, year, isdst */
		if (++c->count < 7) {
			pgc_want_int(c, PGC_DATE);
		} else {
			c->count = 0;
			pgc_want_int(c, PGC_HDRSTR);
		}
		break;
	case PGC_HDRSTR:
		/* database name, server version, pg_dump version */
		x = pgc_int(c);
		c->skip = x > 0 ? (uint64_t)x : 0;
		if (++c->count < 3)
			pgc_want_int(c, PGC_HDRSTR);
		else
			pgc_want_int(c, PGC_TOCCOUNT);
		break;
	case PGC_TOCCOUNT:
		c->ntoc = pgc_int(c);
		if (c->ntoc < 0) {
			fail(v, "pg_dump custom: negative TOC count (damaged)");
			return;
		}
		c->itoc = 0;
		pgc_next_entry(c);
		break;
	case PGC_FIELD:
		x = pgc_int(c);
		if (c->fields[c->field] == 's') {
			if (x < -1) {
				fail(v, "pg_dump custom: TOC entry %lld has a "
				    "string of length %lld (damaged)",
				    (long long)c->itoc + 1, (long long)x);
				return;
			}
			c->skip = x > 0 ? (uint64_t)x : 0;
		}
		pgc_next_field(c);
		break;
	case PGC_DEP:
		/* Dependencies: strings up to a NULL one. */
		x = pgc_int(c);
		if (x < 0) {
			pgc_want(c, PGC_OFFFLAG, 1);
		} else {
			c->skip = (uint64_t)x;
			pgc_want_int(c, PGC_DEP);
		}
		break;
	case PGC_OFFFLAG:
		/* K_OFFSET_POS_NOT_SET 1, POS_SET 2, NO_DATA 3 */
		if (c->acc[0] == 1)
			c->pos_not_set++;
		else if (c->acc[0] == 2)
			c->pos_set++;
		else if (c->acc[0] != 3) {
			fail(v, "pg_dump custom: TOC entry %lld has offset flag "
			    "%d (damaged)", (long long)c->itoc + 1, c->acc[0]);
			return;
		}
		pgc_want(c, PGC_OFFSET, (size_t)c->offsz);
		break;
	case PGC_OFFSET:
		c->itoc++;
		pgc_next_entry(c);
		break;
	case PGC_BLKTYPE:
		/* BLK_DATA 1, BLK_BLOBS 3 */
		c->blktype = c->acc[0];
		if (c->blktype != 1 && c->blktype != 3) {
			fail(v, "pg_dump custom: unknown block type %d at offset "
			    "%llu (damaged)", c->blktype,
			    (unsigned long long)c->off - 1);
			return;
		}
		pgc_want_int(c, PGC_BLKID);
		break;
	case PGC_BLKID:
		c->blocks++;
		if (c->blktype == 1)
			pgc_want_int(c, PGC_CHUNKLEN);
		else
			pgc_want_int(c, PGC_BLOBOID);
		break;
	case PGC_BLOBOID:
		if (pgc_int(c) == 0)
			pgc_want(c, PGC_BLKTYPE, 1);
		else
			pgc_want_int(c, PGC_CHUNKLEN);
		break;
	case PGC_CHUNKLEN:
		x = pgc_int(c);
		if (x < 0) {
			fail(v, "pg_dump custom: negative chunk length at offset "
			    "%llu (damaged)", (unsigned long long)c->off);
			return;
		}
		if (x > 0) {
			c->skip = (uint64_t)x;
			pgc_want_int(c, PGC_CHUNKLEN);
		} else if (c->blktype == 1) {
			pgc_want(c, PGC_BLKTYPE, 1);
		} else {
			pgc_want_int(c, PGC_BLOBOID);	/* next large object */
		}
		break;
	}
}

static void
pgc_feed(struct validator *v, const unsigned char *p, size_t n)
{
	struct pgc *c = &v->pgc;

	if (c->want == 0)
		pgc_want(c, PGC_MAGIC, 5);
	while (n > 0 && !v->failed) {
		if (c->skip > 0) {
			size_t k = n < c->skip ? n : (size_t)c->skip;
			c->skip -= k;
			c->off += k;
			p += k;
			n -= k;
			continue;
		}
		size_t k = c->want - c->nacc;
		if (k > n)
			k = n;
		memcpy(c->acc + c->nacc, p, k);
		c->nacc += k;
		c->off += k;
		p += k;
		n -= k;
		if (c->nacc == c->want)
			pgc_item(v);
	}
}

/* End of input: only between two data blocks, after all of them. */
static void
pgc_finish(struct validator *v)
{
	struct pgc *c = &v->pgc;
	/*
	 * Written to a file, pg_dump rewrites the TOC with each block's
	 * offset (POS_SET); written to a pipe, every entry with data stays
	 * POS_NOT_SET.  Either way one block per such entry follows.
	 */
	uint64_t want = c->pos_set ? c->pos_set : c->pos_not_set;

	if (c->step != PGC_BLKTYPE || c->nacc > 0 || c->skip > 0)
		fail(v, "pg_dump custom: truncated after %llu bytes (%s)",
		    (unsigned long long)c->off, c->step < PGC_TOCCOUNT ?
		    "in the header" : c->step < PGC_BLKTYPE ? "in the TOC" :
		    "inside a data block");
	else if (c->blocks < want)
		fail(v, "pg_dump custom: truncated: %llu of %llu data blocks",
		    (unsigned long long)c->blocks, (unsigned long long)want);
	else if (c->blocks > want)
		fail(v, "pg_dump custom: %llu data blocks for %llu TOC entries "
		    "with data (damaged)", (unsigned long long)c->blocks,
		    (unsigned long long)want);
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
	else if (n >= 5 && memcmp(s, "PGDMP", 5) == 0)
		v->inner = IN_PGC;
	else if (n >= 40 && memcmp(s, "PRAGMA foreign_keys=OFF;\nBEGIN "
	    "TRANSACTION;\n", 40) == 0)
		v->inner = IN_SQLITE;	/* sqlite3's .dump */
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
	case IN_PGC:
		pgc_feed(v, p, n);
		break;
	case IN_MYSQL:
	case IN_PG:
	case IN_SQLITE:
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
	else if (v->nsniff >= 4 && ((s[0] == 0x28 && s[1] == 0xb5 &&
	    s[2] == 0x2f && s[3] == 0xfd) || ((s[0] & 0xf0) == 0x50 &&
	    s[1] == 0x2a && s[2] == 0x4d && s[3] == 0x18)))
		/*
		 * A zstd frame, or a skippable frame (magic 0x184D2A5?, as
		 * pzstd writes first): the decoder walks both kinds.
		 */
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

/*
 * The dump's completion trailer must end it: after the trailer's line
 * only the lines allowed_after accepts may follow.  A trailer followed
 * by the start of a second, unfinished dump (two dumps appended to one
 * file) is not complete.
 */
static void
check_trailer(struct validator *v, const char *tool, const char *needle,
    bool at_bol, bool (*allowed_after)(const char *line, size_t n))
{
	unsigned char lin[TAIL_MAX];
	size_t start = v->ntail < TAIL_MAX ? 0 : v->tailpos;
	size_t n = v->ntail, nl = strlen(needle);
	const unsigned char *hit = NULL;

	for (size_t i = 0; i < n; i++)
		lin[i] = v->tail[(start + i) % TAIL_MAX];
	/* The last occurrence (at a line start when at_bol). */
	for (size_t i = n >= nl ? n - nl + 1 : 0; i-- > 0; ) {
		if (memcmp(lin + i, needle, nl) == 0 && (!at_bol || i == 0 ||
		    lin[i - 1] == '\n')) {
			hit = lin + i;
			break;
		}
	}
	if (hit == NULL) {
		fail(v, "%s: no '%s' trailer at the end (dump incomplete)", tool,
		    needle);
		return;
	}
	const unsigned char *end = lin + n;
	const unsigned char *p = memchr(hit, '\n', (size_t)(end - hit));
	while (p != NULL && p < end) {
		const unsigned char *line = p + 1;
		const unsigned char *e = memchr(line, '\n', (size_t)(end - line));
		size_t ll = (size_t)((e ? e : end) - line);
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!allowed_after((const char *)line, ll)) {
			fail(v, "%s: the '%s' trailer is followed by %zu more "
			    "bytes (a second, unfinished dump?)", tool, needle,
			    (size_t)(end - line));
			return;
		}
		p = e;
	}
}

static bool
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* pg_dump ends "--\n-- ... complete\n--\n\n", then (15.14+) \unrestrict. */
static bool
pg_after(const char *s, size_t n)
{
	return blank_line(s, n) || (n == 2 && memcmp(s, "--", 2) == 0) ||
	    (n > 12 && memcmp(s, "\\unrestrict ", 12) == 0);
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
	if (!v->failed && v->inner == IN_MYSQL)
		check_trailer(v, "mysqldump", "-- Dump completed", true,
		    blank_line);
	if (!v->failed && v->inner == IN_PG)
		check_trailer(v, "pg_dump", "-- PostgreSQL database dump "
		    "complete", true, pg_after);
	/* sqlite3's .dump ends with COMMIT (ROLLBACK after a read error). */
	if (!v->failed && v->inner == IN_SQLITE)
		check_trailer(v, "sqlite3 .dump", "COMMIT;", true, blank_line);
	if (!v->failed && v->inner == IN_PGC)
		pgc_finish(v);
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
		case IN_SQLITE:
			buf_adds(&b, "sqlite3 dump complete");
			break;
		case IN_PGC:
			buf_addf(&b, "pg_dump custom format complete, %lld TOC "
			    "entries, %llu data blocks", (long long)v->pgc.ntoc,
			    (unsigned long long)v->pgc.blocks);
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
