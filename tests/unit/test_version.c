/*
 * test_version.c - dpkg's version ordering (against dpkg --compare-versions
 * itself on generated pairs), version ranges, the dpkg status reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "lib/version.h"

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

T_TEST(known_pairs)
{
	static const struct { const char *a, *b; int want; } t[] = {
		{ "1.0", "1.0", 0 }, { "1.10", "1.9", 1 }, { "1.0~rc1", "1.0", -1 },
		{ "1.0~~", "1.0~", -1 }, { "1.0", "1.0+b1", -1 },
		{ "1:1.0", "2.0", 1 }, { "0:1.0", "1.0", 0 }, { "1.0-1", "1.0-2", -1 },
		{ "1.0-1", "1.0", 1 }, { "1.0-0", "1.0", 0 }, { "1.01", "1.1", 0 },
		{ "1.2a", "1.2", 1 }, { "1.2a", "1.2+", -1 }, { "20.10.24+dfsg1-1",
		"24.0", -1 }, { "v20.1", "20.1", 1 }, { "9.2p1", "9.2", 1 },
		{ "", "0", 0 }, { "1.0.0", "1.0", 1 }, { "99999999999999999999",
		"1", 1 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = sign(version_cmp(t[i].a, t[i].b));
		if (got != t[i].want)
			fprintf(stderr, "# %s vs %s: %d, want %d\n", t[i].a, t[i].b,
			    got, t[i].want);
		T_EQ_INT(got, t[i].want);
		T_EQ_INT(sign(version_cmp(t[i].b, t[i].a)), -t[i].want);
	}
}

/*
 * Random pairs from the characters that matter (digits, letters, '~',
 * '.', '+', '-', ':'), half of them near neighbours, each judged by dpkg
 * itself: 2000 through dpkg's Perl implementation (Dpkg::Version, one
 * process), the first 12 also through `dpkg --compare-versions` (a
 * process per call: ~5 ms each, 250 ms on a loaded machine).
 */
static void
gen(char *v)
{
	static const char al[] = "0123456789012345~.+ab-Z";
	int n = 1 + rand() % 10, k = 0;

	if (rand() % 8 == 0) {
		v[k++] = (char)('0' + rand() % 3);
		v[k++] = ':';
	}
	v[k++] = (char)('0' + rand() % 10);	/* dpkg wants a digit first */
	for (int j = 1; j < n; j++)
		v[k++] = al[rand() % (sizeof(al) - 1)];
	v[k] = '\0';
	if (v[k - 1] == '-')			/* no empty revision */
		v[k - 1] = '1';
}

static int
judge_with(const char *shell_loop, int npairs, char (*pa)[24], char (*pb)[24],
    int *judged)
{
	char path[] = "/tmp/cutover-vcmp-XXXXXX";
	int fd = mkstemp(path), bad = 0, i = 0;
	FILE *f = fdopen(fd, "w");
	char *cmd, line[16];

	for (int k = 0; k < npairs; k++)
		fprintf(f, "%s %s\n", pa[k], pb[k]);
	fclose(f);
	if (asprintf(&cmd, shell_loop, path) < 0)
		abort();
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p) && i < npairs) {
		if (line[0] != 'x') {
			int want = atoi(line), got = sign(version_cmp(pa[i], pb[i]));
			(*judged)++;
			if (got != want) {
				bad++;
				fprintf(stderr, "# %s vs %s: %d, dpkg says %d\n", pa[i],
				    pb[i], got, want);
			}
		}
		i++;
	}
	if (p)
		pclose(p);
	unlink(path);
	free(cmd);
	return i == npairs ? bad : -1;
}

T_TEST(against_dpkg)
{
	enum { N = 2000 };
	if (system("command -v dpkg >/dev/null 2>&1 && "
	    "perl -MDpkg::Version -e1 2>/dev/null") != 0) {
		printf("# skipped: no dpkg or libdpkg-perl\n");
		return;
	}
	char (*pa)[24] = calloc(N, sizeof(*pa)), (*pb)[24] = calloc(N,
	    sizeof(*pb));
	int judged = 0;
	srand(1234);
	for (int i = 0; i < N; i++) {
		gen(pa[i]);
		gen(pb[i]);
		if (i % 2)
			memcpy(pb[i], pa[i], strlen(pa[i]) / 2);
	}
	T_EQ_INT(judge_with("perl -MDpkg::Version -ne 'chomp; my ($a, $b) = "
	    "split / /; if (version_check($a) && version_check($b)) { print "
	    "version_compare($a, $b) <=> 0, \"\\n\" } else { print \"x\\n\" }' %s",
	    N, pa, pb, &judged), 0);
	T_OK(judged > N * 3 / 4);
	judged = 0;
	T_EQ_INT(judge_with("while read a b; do "
	    "if dpkg --compare-versions \"$a\" lt \"$b\" 2>/dev/null; then echo -1; "
	    "elif dpkg --compare-versions \"$a\" eq \"$b\" 2>/dev/null; then echo 0; "
	    "elif dpkg --compare-versions \"$a\" gt \"$b\" 2>/dev/null; then echo 1; "
	    "else echo x; fi; done < %s", 12, pa, pb, &judged), 0);
	T_OK(judged > 6);
	free(pa);
	free(pb);
}

T_TEST(ranges)
{
	struct vrange r;
	char *e = NULL;

	T_OK(vrange_parse(">= 24.0, < 25", &r, NULL) == 0);
	T_OK(vrange_has(&r, "24.0.5"));
	T_OK(vrange_has(&r, "24.0"));
	T_OK(!vrange_has(&r, "25.0"));
	T_OK(!vrange_has(&r, "23.9.9"));
	T_OK(!vrange_has(&r, "20.10.24+dfsg1-1"));
	vrange_free(&r);
	T_OK(vrange_parse("20.x", &r, NULL) == 0);
	T_OK(vrange_has(&r, "20.11.1"));
	T_OK(vrange_has(&r, "20"));
	T_OK(!vrange_has(&r, "21.0"));
	T_OK(!vrange_has(&r, "200.1"));
	T_OK(!vrange_has(&r, "19.9"));
	vrange_free(&r);
	T_OK(vrange_parse("1.2.x", &r, NULL) == 0);
	T_OK(vrange_has(&r, "1.2.9") && !vrange_has(&r, "1.3") &&
	    !vrange_has(&r, "1.20"));
	vrange_free(&r);
	T_OK(vrange_parse("1.2.3", &r, NULL) == 0);
	T_OK(vrange_has(&r, "1.2.3") && !vrange_has(&r, "1.2.4"));
	vrange_free(&r);
	T_OK(vrange_parse("!= 1.0, > 0.9", &r, NULL) == 0);
	T_OK(vrange_has(&r, "1.1") && !vrange_has(&r, "1.0"));
	vrange_free(&r);
	T_OK(vrange_parse(">= 20.x", &r, &e) == -1);
	T_OK(e && strstr(e, "wildcard"));
	free(e);
	e = NULL;
	vrange_free(&r);
	T_OK(vrange_parse(">= ", &r, &e) == -1);
	free(e);
	e = NULL;
	vrange_free(&r);
	T_OK(vrange_parse("", &r, &e) == -1);
	free(e);
	vrange_free(&r);
}

T_TEST(dpkg_status)
{
	static const char db[] =
	    "Package: docker.io\nStatus: deinstall ok config-files\n"
	    "Version: 20.10.5\n\n"
	    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
	    "Version: 2.36-9\nDescription: x\n a long\n .\n continued\n\n"
	    "Package: libc6\nStatus: install ok installed\nArchitecture: i386\n"
	    "Version: 2.36-8\n\n"
	    "Package: bash\nVersion: 5.2.15-2\nStatus: install ok installed";
	char *v, *st;
	FILE *f;

	f = fmemopen((void *)db, sizeof(db) - 1, "r");
	T_EQ_INT(dpkg_installed(f, "libc6", &v, &st, NULL), 1);
	T_EQ_STR(v, "2.36-8");		/* the lowest of two architectures */
	free(v);
	fclose(f);
	f = fmemopen((void *)db, sizeof(db) - 1, "r");
	T_EQ_INT(dpkg_installed(f, "bash", &v, &st, NULL), 1);	/* no final \n */
	T_EQ_STR(v, "5.2.15-2");
	free(v);
	fclose(f);
	f = fmemopen((void *)db, sizeof(db) - 1, "r");
	T_EQ_INT(dpkg_installed(f, "docker.io", &v, &st, NULL), 0);
	T_OK(v == NULL);
	T_EQ_STR(st, "deinstall ok config-files");
	free(st);
	fclose(f);
	f = fmemopen((void *)db, sizeof(db) - 1, "r");
	T_EQ_INT(dpkg_installed(f, "nginx", &v, &st, NULL), 0);
	T_OK(v == NULL && st == NULL);
	fclose(f);
}

T_SUITE(version, known_pairs, against_dpkg, ranges, dpkg_status)
