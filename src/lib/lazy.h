/*
 * lazy.h - shared libraries loaded on first use (see lazy.c for why).
 *
 * A library's functions are reached through a struct of pointers filled
 * by dlopen/dlsym the first time any of them is called.  Each library has
 * one header, src/lib/lazy_NAME.h, holding an X-macro list of the symbols
 * it uses, the struct, and one redirect macro per symbol:
 *
 *	#define xmlReadMemory (lazy_xml2()->xmlReadMemory)
 *
 * so call sites stay unchanged.  Include it after the library's own
 * headers (it includes the ones its list needs): a header read after it
 * would see its declarations rewritten and fail to compile.  A file that
 * forgets it calls the real symbol, which is no longer linked: the link
 * fails, which is the safety net that keeps every use lazy.
 */
#ifndef CUTOVER_LAZY_H
#define CUTOVER_LAZY_H

#include <stddef.h>

/* The libraries, one line each in lazy.c's table. */
enum lazy_id {
	LAZY_XML2,
	LAZY_GIT2,
	LAZY_SYSTEMD,
	LAZY_LDNS,
	LAZY_HIREDIS,
	LAZY_MHD,
#ifdef WITH_MYSQL
	LAZY_MARIADB,
#endif
#ifdef WITH_PG
	LAZY_PQ,
#endif
	LAZY_CURL,
	LAZY_NLIBS
};

struct lazy_lib {
	const char	*soname;	/* exactly the SONAME the build links */
	const char	*package;	/* the Debian package that ships it */
	const char *const *names;	/* the symbols, in slot order */
	size_t		 n;
	void		**slot;		/* n addresses, filled at load */
	int		(*init)(char **errp); /* once after the load, or NULL */
	int		 ready;		/* set (release) once slot[] is full */
};

extern struct lazy_lib lazy_libs[LAZY_NLIBS];

/*
 * Load lib if not yet loaded: 0, or -1 with "cannot load SONAME (WHY):
 * install the Debian package PACKAGE" in *errp.  Thread-safe; a failure
 * leaves lib unloaded.
 */
int	 lazy_load(struct lazy_lib *lib, char **errp);
/* lazy_load, or that message and exit status 2. */
void	 lazy_need(struct lazy_lib *lib);

/*
 * The fast path of every call through a lazy library: one load and a
 * branch (PQgetvalue runs per value in diff's hot loop).  The acquire
 * pairs with lazy_load's release: a thread that sees ready sees slot[].
 */
static inline void
lazy_ensure(struct lazy_lib *lib)
{
	if (__builtin_expect(!__atomic_load_n(&lib->ready, __ATOMIC_ACQUIRE), 0))
		lazy_need(lib);
}

/*
 * What a symbol list expands to.  A function and a variable take the
 * same field, a pointer to the symbol's own type (__typeof__); their
 * redirect macros differ: a variable's dereferences the pointer.
 */
#define LAZY_FIELD(name)	__typeof__(name) *name;
#define LAZY_NAME(name)		#name,
#define LAZY_ONE(name)		+ 1

/*
 * A library's struct of pointers, overlaid on the void * slots the loader
 * fills (POSIX dlsym: a function pointer and void * share a
 * representation), and its accessor, lazy_LIB(), used by the redirects.
 */
#define LAZY_DECLARE(lib, id, LIST)					\
	union lazy_##lib {						\
		struct lazy_##lib##_f { LIST(LAZY_FIELD, LAZY_FIELD) } f; \
		void *slot[0 LIST(LAZY_ONE, LAZY_ONE)];			\
	};								\
	_Static_assert(sizeof(struct lazy_##lib##_f) ==			\
	    sizeof(((union lazy_##lib *)0)->slot), "lazy " #lib);	\
	extern union lazy_##lib lazy_##lib##_fn;			\
	static inline const struct lazy_##lib##_f *			\
	lazy_##lib(void)						\
	{								\
		lazy_ensure(&lazy_libs[id]);				\
		return &lazy_##lib##_fn.f;				\
	}

#endif
