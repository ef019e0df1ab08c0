/*
 * lazy.c - shared libraries loaded on first use (see lazy.h).
 *
 * Why: every process paid for every library at start.  An empty main()
 * linked against all of config.mk's PKGS takes 794 page faults, 30-43 ms
 * of CPU and 30.4 M instructions (callgrind) on this VM (a fault costs
 * ~30 us), against 258 / 11 ms / 5.1 M for the core libraries alone: the
 * loader maps each library and its dependencies (libxml2 drags ICU and
 * libstdc++) and every symbol lookup walks all of them.  That fixed cost
 * was a quarter of `cutover watch`'s CPU (issue 12) and is paid by every
 * `cutover diff` (issue 16), which uses one database driver, never all.
 * Measured after (A/B against the linked binary, docs/BENCHMARKS.md,
 * "Ninth round"): `cutover --version` 810 -> 281 page faults, 41 -> 13
 * ms, 30.6 M -> 5.2 M instructions; a 1-s watch of 700 files 144 M ->
 * 119 M; a SQLite diff 40 M -> 12 M; even one http check, which loads
 * libcurl here, 37 M -> 25 M (its dependencies no longer all mapped).
 *
 * How: dlopen(RTLD_NOW | RTLD_LOCAL) and dlsym of every listed symbol at
 * once, under one lock, the first time a library is used.  RTLD_NOW: an
 * unresolvable dependency fails here, with our message, rather than
 * mid-run; RTLD_LOCAL: the library's symbols stay out of the global
 * scope, so later lookups (ours, the next library's) do not walk them
 * and two libraries cannot interpose on each other.  A missing symbol
 * (an older library than the build's) is found at load too.  The table
 * below names each library (SONAME, Debian package); lazy_NAME.h lists
 * the symbols its call sites use.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "lazy.h"
#include "lazy_xml2.h"
#include "lazy_git2.h"
#include "lazy_systemd.h"
#include "lazy_ldns.h"
#include "lazy_hiredis.h"
#include "lazy_mhd.h"
#ifdef WITH_MYSQL
#include "lazy_mariadb.h"
#endif
#ifdef WITH_PG
#include "lazy_pq.h"
#endif
#include "lazy_curl.h"

#define LAZY_DEFINE(lib, LIST)						\
	union lazy_##lib lazy_##lib##_fn;				\
	static const char *const lib##_names[] = {			\
		LIST(LAZY_NAME, LAZY_NAME)				\
	}

#define LAZY_ENTRY(lib, soname, package, init)				\
	{ soname, package, lib##_names,					\
	  sizeof(lib##_names) / sizeof(lib##_names[0]),			\
	  lazy_##lib##_fn.slot, init, 0 }

LAZY_DEFINE(xml2, LAZY_XML2_LIST);
LAZY_DEFINE(git2, LAZY_GIT2_LIST);
LAZY_DEFINE(systemd, LAZY_SYSTEMD_LIST);
LAZY_DEFINE(ldns, LAZY_LDNS_LIST);
LAZY_DEFINE(hiredis, LAZY_HIREDIS_LIST);
LAZY_DEFINE(mhd, LAZY_MHD_LIST);
#ifdef WITH_MYSQL
LAZY_DEFINE(mariadb, LAZY_MARIADB_LIST);
#endif
#ifdef WITH_PG
LAZY_DEFINE(pq, LAZY_PQ_LIST);
#endif
LAZY_DEFINE(curl, LAZY_CURL_LIST);

/*
 * libcurl's global state, once, at its load (main() called it before any
 * thread when libcurl was linked).  It runs under the load lock and
 * before ready is set, so no other thread is inside libcurl meanwhile
 * (Debian 12's 7.88 is also built CURL_VERSION_THREADSAFE).  Through the
 * slot, not lazy_curl(): that would wait for this very load.
 */
static int
curl_init(char **errp)
{
	CURLcode rc = lazy_curl_fn.f.curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return seterr(errp, "cannot load libcurl.so.4 (curl_global_init: "
		    "error %d): install the Debian package libcurl4", (int)rc);
	return 0;
}

/* One line per library; the SONAME is the one `readelf -d` shows. */
struct lazy_lib lazy_libs[LAZY_NLIBS] = {
	[LAZY_XML2] = LAZY_ENTRY(xml2, "libxml2.so.2", "libxml2", NULL),
	[LAZY_GIT2] = LAZY_ENTRY(git2, "libgit2.so.1.5", "libgit2-1.5", NULL),
	[LAZY_SYSTEMD] = LAZY_ENTRY(systemd, "libsystemd.so.0",
	    "libsystemd0", NULL),
	[LAZY_LDNS] = LAZY_ENTRY(ldns, "libldns.so.3", "libldns3", NULL),
	[LAZY_HIREDIS] = LAZY_ENTRY(hiredis, "libhiredis.so.0.14",
	    "libhiredis0.14", NULL),
	[LAZY_MHD] = LAZY_ENTRY(mhd, "libmicrohttpd.so.12",
	    "libmicrohttpd12", NULL),
#ifdef WITH_MYSQL
	[LAZY_MARIADB] = LAZY_ENTRY(mariadb, "libmariadb.so.3",
	    "libmariadb3", NULL),
#endif
#ifdef WITH_PG
	[LAZY_PQ] = LAZY_ENTRY(pq, "libpq.so.5", "libpq5", NULL),
#endif
	[LAZY_CURL] = LAZY_ENTRY(curl, "libcurl.so.4", "libcurl4", curl_init),
};

/* Loads are rare (once per library per process): one lock for all. */
static pthread_mutex_t lazy_mu = PTHREAD_MUTEX_INITIALIZER;

static int
load_locked(struct lazy_lib *lib, char **errp)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		goto fail;
	for (size_t i = 0; i < lib->n; i++) {
		/* dlerror() tells a NULL symbol from a missing one. */
		dlerror();
		lib->slot[i] = dlsym(h, lib->names[i]);
		if (lib->slot[i] == NULL && dlerror() != NULL) {
			seterr(errp, "cannot load %s (no symbol %s): install "
			    "the Debian package %s", lib->soname,
			    lib->names[i], lib->package);
			dlclose(h);
			return -1;
		}
	}
	/*
	 * The handle stays open: the process uses the library from now on.
	 * init runs before ready is set: no thread uses the library before.
	 */
	if (lib->init && lib->init(errp) == -1)
		return -1;
	__atomic_store_n(&lib->ready, 1, __ATOMIC_RELEASE);
	return 0;
fail:
	return seterr(errp, "cannot load %s (%s): install the Debian "
	    "package %s", lib->soname, dlerror(), lib->package);
}

int
lazy_load(struct lazy_lib *lib, char **errp)
{
	int rc = 0;

	if (__atomic_load_n(&lib->ready, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&lazy_mu);
	if (!__atomic_load_n(&lib->ready, __ATOMIC_RELAXED))
		rc = load_locked(lib, errp);
	pthread_mutex_unlock(&lazy_mu);
	return rc;
}

void
lazy_need(struct lazy_lib *lib)
{
	char *err = NULL, line[512];

	if (lazy_load(lib, &err) == -1) {
		/* Freed before exit: the message is all that is left. */
		snprintf(line, sizeof line, "%s", err);
		free(err);
		die(EXIT_USAGE, "%s", line);
	}
}

/*
 * curl_easy_setopt and curl_easy_getinfo, renamed lazy_curl_easy_* by
 * lazy_curl.h's asm labels (the parentheses keep typecheck-gcc.h's macro
 * out of the definition).  The variadic argument is read the way libcurl
 * reads it, by the option's type range (curl.h's CURLOPTTYPE_*): a long,
 * a curl_off_t, or a pointer (object, string, list, blob, callback: one
 * size and passing convention on every ABI POSIX dlsym runs on).
 */
CURLcode
(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = (lazy_curl()->curl_easy_setopt)(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		rc = (lazy_curl()->curl_easy_setopt)(h, opt,
		    va_arg(ap, curl_off_t));
	else
		rc = (lazy_curl()->curl_easy_setopt)(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode
(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return (lazy_curl()->curl_easy_getinfo)(h, info, p);
}
