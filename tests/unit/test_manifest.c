/*
 * test_manifest.c - digests against published vectors, the content
 * validator on streams built here (gzip, zstd, tar, dumps; whole, cut,
 * corrupted), and manifest round trips in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "../t.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/validate.h"
#include "lib/xmalloc.h"
#include "manifest.h"

static void
digest(enum hash_algo a, const char *s, char *hex)
{
	struct hasher *h = hash_new(a);
	hash_update(h, s, strlen(s));
	hash_final(h, hex);
	hash_free(h);
}

T_TEST(digest_vectors)
{
	char hex[HASH_HEX_MAX];

	digest(HASH_SHA256, "abc", hex);
	T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad");
	digest(HASH_MD5, "abc", hex);
	T_EQ_STR(hex, "900150983cd24fb0d6963f7d28e17f72");
	digest(HASH_SHA1, "abc", hex);
	T_EQ_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	digest(HASH_XXH128, "", hex);
	T_EQ_STR(hex, "99aa06d3014798d86001c324468d497f");
	T_EQ_INT(hash_algo_find("SHA256"), HASH_SHA256);
	T_EQ_INT(hash_algo_find("xxh128"), HASH_XXH128);
	T_EQ_INT(hash_algo_find("blake3"), -1);
}

/* Feed in awkward chunk sizes: the layers must not care. */
static int
validate_buf(const char *name, const void *data, size_t n, const char **what,
    struct validator **vp)
{
	struct validator *v = validate_new(name);
	const unsigned char *p = data;
	size_t step = 1;

	for (size_t off = 0; off < n; ) {
		size_t k = n - off < step ? n - off : step;
		validate_feed(v, p + off, k);
		off += k;
		step = step * 3 + 1;
	}
	*vp = v;
	return validate_finish(v, what);
}

static void
gz(const void *in, size_t n, struct buf *out)
{
	z_stream z = { 0 };
	unsigned char chunk[4096];

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	int r;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = deflate(&z, Z_FINISH);
		buf_add(out, chunk, sizeof(chunk) - z.avail_out);
	} while (r != Z_STREAM_END);
	deflateEnd(&z);
}

static void
mysqldump(struct buf *b, int rows, bool complete)
{
	buf_adds(b, "-- MySQL dump 10.13  Distrib 10.11.4-MariaDB\n--\n"
	    "-- Host: localhost    Database: app\n\nCREATE TABLE t (id int);\n");
	for (int i = 0; i < rows; i++)
		buf_addf(b, "INSERT INTO t VALUES (%d);\n", i);
	if (complete)
		buf_adds(b, "\n-- Dump completed on 2026-11-22  2:00:00\n");
}

T_TEST(gzip_streams)
{
	struct buf dump = BUF_INIT, z = BUF_INIT, cut = BUF_INIT;
	struct validator *v;
	const char *what;

	mysqldump(&dump, 20000, true);
	gz(dump.s, dump.len, &z);
	T_EQ_INT(validate_buf("db.sql.gz", z.s, z.len, &what, &v), 0);
	T_EQ_STR(what, "gzip ok, mysqldump complete");
	validate_free(v);
	/* A truncated gzip. */
	T_EQ_INT(validate_buf("db.sql.gz", z.s, z.len / 2, &what, &v), -1);
	T_OK(strstr(what, "gzip: stream truncated") != NULL);
	validate_free(v);
	/* A valid gzip of a dump cut in half: the trailer is missing. */
	gz(dump.s, dump.len / 2, &cut);
	T_EQ_INT(validate_buf("db.sql.gz", cut.s, cut.len, &what, &v), -1);
	T_OK(strstr(what, "no '-- Dump completed' trailer") != NULL);
	validate_free(v);
	/* A flipped byte in the deflate data or CRC. */
	z.s[z.len - 6] ^= 0x40;
	T_EQ_INT(validate_buf("db.sql.gz", z.s, z.len, &what, &v), -1);
	T_OK(strstr(what, "gzip: corrupt data") != NULL);
	validate_free(v);
	/* Two members, as `cat a.gz b.gz` makes: fine. */
	buf_reset(&z);
	gz("abc\n", 4, &z);
	gz("def\n", 4, &z);
	T_EQ_INT(validate_buf("x.gz", z.s, z.len, &what, &v), 0);
	validate_free(v);
	/* Named .gz but not gzip. */
	T_EQ_INT(validate_buf("x.gz", "plain text\n", 11, &what, &v), -1);
	T_OK(strstr(what, "not gzip") != NULL);
	validate_free(v);
	buf_release(&dump);
	buf_release(&z);
	buf_release(&cut);
}

T_TEST(zstd_frames)
{
	struct buf dump = BUF_INIT;
	struct validator *v;
	const char *what;

	buf_adds(&dump, "--\n-- PostgreSQL database dump\n--\n\nSET x = 1;\n");
	for (int i = 0; i < 5000; i++)
		buf_addf(&dump, "%d\tname %d\n", i, i);
	buf_adds(&dump, "\\.\n\n--\n-- PostgreSQL database dump complete\n--\n");
	size_t cap = ZSTD_compressBound(dump.len);
	char *z = xmalloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	size_t zn = ZSTD_compress2(cc, z, cap, dump.s, dump.len);
	ZSTD_freeCCtx(cc);
	T_OK(!ZSTD_isError(zn));
	T_EQ_INT(validate_buf("db.sql.zst", z, zn, &what, &v), 0);
	T_EQ_STR(what, "zstd ok, pg_dump complete");
	validate_free(v);
	T_EQ_INT(validate_buf("db.sql.zst", z, zn - 10, &what, &v), -1);
	T_OK(strstr(what, "zstd:") != NULL);
	validate_free(v);
	/* The frame's content checksum is its last 4 bytes. */
	z[zn - 1] ^= 1;
	T_EQ_INT(validate_buf("db.sql.zst", z, zn, &what, &v), -1);
	T_OK(strstr(what, "checksum") != NULL);
	validate_free(v);
	free(z);
	buf_release(&dump);
}

static void
tar_member(struct buf *b, const char *name, const char *data, size_t n)
{
	unsigned char h[512] = { 0 };
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", n);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	buf_add(b, h, 512);
	buf_add(b, data, n);
	static const char zero[512];
	if (n % 512)
		buf_add(b, zero, 512 - n % 512);
}

T_TEST(tar_archives)
{
	struct buf t = BUF_INIT, z = BUF_INIT;
	static const char zero[1024];
	struct validator *v;
	const char *what;

	tar_member(&t, "a.txt", "hello\n", 6);
	tar_member(&t, "b.bin", zero, 700);
	size_t no_end = t.len;
	buf_add(&t, zero, 1024);
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), 0);
	T_EQ_STR(what, "tar complete, 2 members");
	validate_free(v);
	/* Without its end-of-archive blocks. */
	T_EQ_INT(validate_buf("x.tar", t.s, no_end, &what, &v), -1);
	T_OK(strstr(what, "no end-of-archive blocks") != NULL);
	validate_free(v);
	/* Cut inside a member. */
	T_EQ_INT(validate_buf("x.tar", t.s, 700, &what, &v), -1);
	T_OK(strstr(what, "truncated inside member") != NULL);
	validate_free(v);
	/* Inside gzip, recognised by its magic whatever the name. */
	gz(t.s, t.len, &z);
	T_EQ_INT(validate_buf("backup.tgz", z.s, z.len, &what, &v), 0);
	T_EQ_STR(what, "gzip ok, tar complete, 2 members");
	validate_free(v);
	/* A damaged header. */
	t.s[10] ^= 1;
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), -1);
	T_OK(strstr(what, "bad header checksum") != NULL);
	validate_free(v);
	buf_release(&t);
	buf_release(&z);
}

T_TEST(plain_files_and_dumps)
{
	struct buf d = BUF_INIT;
	struct validator *v;
	const char *what;

	T_EQ_INT(validate_buf("x.bin", "", 0, &what, &v), 0);
	T_EQ_STR(what, "data");
	validate_free(v);
	T_EQ_INT(validate_buf("x", "ab", 2, &what, &v), 0);
	validate_free(v);
	mysqldump(&d, 10, false);
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), -1);
	validate_free(v);
	mysqldump(&d, 0, true);
	buf_reset(&d);
	mysqldump(&d, 10, true);
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), 0);
	T_EQ_STR(what, "mysqldump complete");
	validate_free(v);
	buf_release(&d);
}

/* Recompute a tar header's checksum after patching a field. */
static void
tar_resum(unsigned char *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

T_TEST(tar_size_fields)
{
	struct buf t = BUF_INIT;
	static const char zero[1024];
	struct validator *v;
	const char *what;

	tar_member(&t, "a.txt", "hello\n", 6);
	buf_add(&t, zero, 1024);
	unsigned char *h = (unsigned char *)t.s;
	/* Base-256 past 64 bits: wrapped, it read as a small size. */
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[126] = 0x01;		/* 2^72 + ... */
	h[135] = 0x06;
	tar_resum(h);
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), -1);
	T_OK(strstr(what, "unreadable size field") != NULL);
	validate_free(v);
	/* Negative base-256. */
	memset(h + 124, 0xff, 12);
	tar_resum(h);
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), -1);
	T_OK(strstr(what, "unreadable size field") != NULL);
	validate_free(v);
	/* Base-256 that fits: 6 bytes, as GNU tar writes past 8 GiB. */
	memset(h + 124, 0, 12);
	h[124] = 0x80;
	h[135] = 0x06;
	tar_resum(h);
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), 0);
	validate_free(v);
	/* Not octal. */
	memcpy(h + 124, "0000000x006\0", 12);
	tar_resum(h);
	T_EQ_INT(validate_buf("x.tar", t.s, t.len, &what, &v), -1);
	validate_free(v);
	buf_release(&t);
}

static size_t
zst(const char *in, size_t n, char *out, size_t cap)
{
	size_t r = ZSTD_compress(out, cap, in, n, 3);
	return ZSTD_isError(r) ? 0 : r;
}

T_TEST(zstd_skippable_frames)
{
	static const unsigned char skip[] = { 0x5a, 0x2a, 0x4d, 0x18, 4, 0, 0,
		0, 'p', 'z', 's', 't' };
	struct buf b = BUF_INIT;
	char z[256];
	struct validator *v;
	const char *what;
	size_t zn = zst("hello\n", 6, z, sizeof(z));

	T_OK(zn > 0);
	/* First, as pzstd writes: once "not zstd data". */
	buf_add(&b, skip, sizeof(skip));
	buf_add(&b, z, zn);
	T_EQ_INT(validate_buf("x.zst", b.s, b.len, &what, &v), 0);
	T_EQ_STR(what, "zstd ok, data");
	validate_free(v);
	/* Between frames, and last. */
	buf_add(&b, skip, sizeof(skip));
	buf_add(&b, z, zn);
	buf_add(&b, skip, sizeof(skip));
	T_EQ_INT(validate_buf("x.zst", b.s, b.len, &what, &v), 0);
	validate_free(v);
	/* A cut skippable frame, first or last. */
	T_EQ_INT(validate_buf("x.zst", b.s, b.len - 2, &what, &v), -1);
	T_OK(strstr(what, "zstd: stream truncated") != NULL);
	validate_free(v);
	T_EQ_INT(validate_buf("x.zst", skip, 6, &what, &v), -1);
	validate_free(v);
	buf_release(&b);
}

T_TEST(dump_trailers_at_the_end)
{
	struct buf d = BUF_INIT;
	struct validator *v;
	const char *what;

	/* A second dump started after the first's trailer, then cut. */
	mysqldump(&d, 10, true);
	mysqldump(&d, 10, false);
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), -1);
	T_OK(strstr(what, "trailer is followed by") != NULL);
	validate_free(v);
	buf_reset(&d);
	mysqldump(&d, 10, true);
	buf_adds(&d, "\n\n");
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), 0);
	validate_free(v);
	/* pg_dump: comment lines and \unrestrict (15.14+) may follow. */
	buf_reset(&d);
	buf_adds(&d, "--\n-- PostgreSQL database dump\n--\n\\restrict k\nSET x;\n"
	    "\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k\n"
	    "\n");
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), 0);
	T_EQ_STR(what, "pg_dump complete");
	validate_free(v);
	buf_adds(&d, "--\n-- PostgreSQL database dump\n--\nSET x;\n");
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), -1);
	validate_free(v);
	/* sqlite3 .dump: COMMIT; last (ROLLBACK after an error is not). */
	buf_reset(&d);
	buf_adds(&d, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE "
	    "t(a);\n");
	for (int i = 0; i < 200; i++)
		buf_addf(&d, "INSERT INTO t VALUES('COMMIT; %d');\n", i);
	size_t cut = d.len;
	buf_adds(&d, "COMMIT;\n");
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), 0);
	T_EQ_STR(what, "sqlite3 dump complete");
	validate_free(v);
	T_EQ_INT(validate_buf("db.sql", d.s, cut, &what, &v), -1);
	T_OK(strstr(what, "no 'COMMIT;' trailer") != NULL);
	validate_free(v);
	d.len = cut;
	buf_adds(&d, "ROLLBACK; -- due to errors\n");
	T_EQ_INT(validate_buf("db.sql", d.s, d.len, &what, &v), -1);
	validate_free(v);
	buf_release(&d);
}

static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static const struct mf_result *
result_of(const struct mf_report *r, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].path, path) == 0)
			return &r->v[i];
	return NULL;
}

T_TEST(round_trip)
{
	char dir[] = "/tmp/cutover-mf.XXXXXX";
	struct mf_opts o = { .algo = -1, .content = true, .jobs = 2 };
	struct mf_report rep;
	char *e = NULL;

	T_OK(mkdtemp(dir) != NULL);
	char *bk = xasprintf("%s/bk", dir), *a = xasprintf("%s/bk/a", dir);
	char *b = xasprintf("%s/bk/b", dir), *m = xasprintf("%s/m.sha256", dir);
	char *x = xasprintf("%s/bk/x", dir);
	T_OK(mkdir(bk, 0755) == 0);
	put(a, "alpha\n");
	put(b, "bravo\n");
	char *paths[] = { bk };
	T_EQ_INT(manifest_create(paths, 1, m, &o, &rep, &e), 0);
	T_EQ_INT(rep.nok, 2);
	mf_report_release(&rep);
	T_EQ_INT(manifest_verify(m, &o, &rep, &e), 0);
	T_EQ_INT(rep.nok, 2);
	T_EQ_INT(rep.nfail + rep.nextra, 0);
	mf_report_release(&rep);
	/* Same size, one byte flipped; one missing; one extra. */
	put(a, "alphA\n");
	unlink(b);
	put(x, "extra\n");
	T_EQ_INT(manifest_verify(m, &o, &rep, &e), 0);
	T_EQ_INT(result_of(&rep, "bk/a")->state, MF_HASH);
	T_EQ_INT(result_of(&rep, "bk/b")->state, MF_MISSING);
	T_EQ_INT(result_of(&rep, "bk/x")->state, MF_EXTRA);
	mf_report_release(&rep);
	/* Truncated: the size comment catches it without hashing. */
	put(a, "alp");
	T_EQ_INT(manifest_verify(m, &o, &rep, &e), 0);
	T_EQ_INT(result_of(&rep, "bk/a")->state, MF_SIZE);
	mf_report_release(&rep);
	/* A malformed manifest is bad input, with its line. */
	put(m, "# algo sha256\nnot a checksum line\n");
	T_EQ_INT(manifest_verify(m, &o, &rep, &e), -1);
	T_OK(e && strstr(e, "m.sha256:2: not a checksum line") != NULL);
	free(e);
	e = NULL;
	mf_report_release(&rep);
	put(m, "abcd  bk/a\n");
	T_EQ_INT(manifest_verify(m, &o, &rep, &e), -1);
	T_OK(e && strstr(e, "cannot tell the algorithm") != NULL);
	free(e);
	mf_report_release(&rep);
	unlink(a);
	unlink(x);
	unlink(m);
	rmdir(bk);
	rmdir(dir);
	free(bk);
	free(a);
	free(b);
	free(m);
	free(x);
}

T_SUITE(manifest, digest_vectors, gzip_streams, zstd_frames, tar_archives,
    plain_files_and_dumps, tar_size_fields, zstd_skippable_frames,
    dump_trailers_at_the_end, round_trip)
