/*
 * test_lazy.c - libraries loaded on first use: every library of the table
 * loads with every listed symbol (a wrong SONAME or a symbol the installed
 * library lacks fails here, not in a user's run), and a library that is
 * absent or too old gives one line and exit status 2, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../t.h"
#include "lib/lazy.h"
#include "lib/lazy_curl.h"
#include "lib/lazy_xml2.h"

T_TEST(every_library_loads)
{
	for (size_t i = 0; i < LAZY_NLIBS; i++) {
		struct lazy_lib *lib = &lazy_libs[i];
		char *e = NULL;

		T_OK(lazy_load(lib, &e) == 0);
		T_EQ_STR(e, NULL);
		T_OK(__atomic_load_n(&lib->ready, __ATOMIC_ACQUIRE));
		for (size_t j = 0; j < lib->n; j++)
			T_OK(lib->slot[j] != NULL);
		free(e);
	}
	/* Through the redirects, as the call sites use it. */
	xmlDoc *d = xmlReadMemory("<a>hi</a>", 9, NULL, NULL, XML_PARSE_NONET);
	T_OK(d != NULL);
	xmlChar *s = xmlNodeGetContent(xmlDocGetRootElement(d));
	T_EQ_STR((const char *)s, "hi");
	xmlFree(s);
	xmlFreeDoc(d);
}

static const char *const zname[] = { "zlibVersion" };
static const char *const ztwo[] = { "zlibVersion", "cutover_no_such_symbol" };

T_TEST(absent_library_is_one_clear_error)
{
	void *slot[1] = { NULL };
	struct lazy_lib lib = { "libcutover-absent.so.9", "cutover-absent",
	    zname, 1, slot, NULL, 0 };
	char *e = NULL;

	T_EQ_INT(lazy_load(&lib, &e), -1);
	T_OK(e && strncmp(e, "cannot load libcutover-absent.so.9 (", 36) == 0);
	T_OK(e && strstr(e, "cannot open shared object file"));
	T_OK(e && strstr(e, "): install the Debian package cutover-absent"));
	T_OK(!lib.ready);
	free(e);
}

T_TEST(missing_symbol_is_found_at_load)
{
	void *slot[2] = { NULL, NULL };
	struct lazy_lib lib = { "libz.so.1", "zlib1g", ztwo, 2, slot, NULL, 0 };
	char *e = NULL;

	T_EQ_INT(lazy_load(&lib, &e), -1);
	T_EQ_STR(e, "cannot load libz.so.1 (no symbol cutover_no_such_symbol): "
	    "install the Debian package zlib1g");
	T_OK(!lib.ready);
	free(e);
	/* The same library with symbols it has loads. */
	lib.names = zname;
	lib.n = 1;
	e = NULL;
	T_EQ_INT(lazy_load(&lib, &e), 0);
	T_OK(lib.ready && slot[0] != NULL);
	free(e);
}

/* lazy_need: the message on stderr, one line, and exit status 2. */
T_TEST(need_exits_2_with_one_line)
{
	int fd[2];
	char out[1024];
	size_t n = 0;
	ssize_t r;
	int st = 0;

	T_EQ_INT(pipe(fd), 0);
	/* The child exits through exit(): nothing of ours left to flush. */
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		void *slot[1] = { NULL };
		struct lazy_lib lib = { "libcutover-absent.so.9",
		    "cutover-absent", zname, 1, slot, NULL, 0 };
		dup2(fd[1], 2);
		lazy_need(&lib);
		_exit(0);
	}
	close(fd[1]);
	while ((r = read(fd[0], out + n, sizeof out - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd[0]);
	T_EQ_INT(waitpid(pid, &st, 0), pid);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	T_OK(strncmp(out, "cutover: cannot load libcutover-absent.so.9 (", 45) == 0);
	T_OK(strstr(out, "install the Debian package cutover-absent\n") != NULL);
	T_OK(strchr(out, '\n') == out + n - 1);
}

static size_t
count_bytes(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += size * n;
	return size * n;
}

/*
 * curl_easy_setopt/getinfo go through lazy.c's forwarders, which read the
 * argument by the option's type: a long, a curl_off_t, an object and a
 * callback pointer here, on a file:// URL (no server needed).
 */
T_TEST(curl_forwarders_pass_each_type)
{
	char path[] = "/tmp/cutover-lazy-XXXXXX", url[64];
	int fd = mkstemp(path);
	size_t got = 0;
	curl_off_t size = -1;
	long code = -1;
	char *scheme = NULL;

	T_OK(fd >= 0);
	T_EQ_INT(write(fd, "0123456789", 10), 10);
	close(fd);
	snprintf(url, sizeof url, "file://%s", path);
	CURL *c = curl_easy_init();
	T_OK(c != NULL);
	T_EQ_INT(curl_easy_setopt(c, CURLOPT_URL, url), CURLE_OK);
	T_EQ_INT(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes),
	    CURLE_OK);
	T_EQ_INT(curl_easy_setopt(c, CURLOPT_WRITEDATA, &got), CURLE_OK);
	T_EQ_INT(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	T_EQ_INT(curl_easy_perform(c), CURLE_OK);
	T_EQ_INT(got, 10);
	/* From byte 4: the curl_off_t arrived. */
	T_EQ_INT(curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
	    (curl_off_t)4), CURLE_OK);
	got = 0;
	T_EQ_INT(curl_easy_perform(c), CURLE_OK);
	T_EQ_INT(got, 6);
	T_EQ_INT(curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &size),
	    CURLE_OK);
	T_EQ_INT(size, 6);
	T_EQ_INT(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
	T_EQ_INT(code, 0);
	T_EQ_INT(curl_easy_getinfo(c, CURLINFO_SCHEME, &scheme), CURLE_OK);
	T_EQ_STR(scheme, "FILE");
	curl_easy_cleanup(c);
	unlink(path);
}

T_SUITE(lazy, every_library_loads, absent_library_is_one_clear_error,
    missing_symbol_is_found_at_load, need_exits_2_with_one_line,
    curl_forwarders_pass_each_type);
