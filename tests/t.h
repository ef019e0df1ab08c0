/*
 * t.h - the unit-test runner (collectd's testing.h, Redis's testhelp.h).
 *
 * A test file defines its cases with T_TEST and lists them in a suite:
 *
 *   T_TEST(parses_durations) { T_EQ_INT(f(), 3); T_EQ_STR(s, "x"); }
 *   T_SUITE(units, parses_durations, other_case);
 *
 * Suites register themselves (a constructor), so adding a file under
 * tests/unit/ is all it takes.  No fork per test: a crash points gdb and
 * ASan straight at the failing line.  Output is TAP, then a summary line
 * "unit: N passed, N failed".  `build/unit NAME` runs one suite.
 */
#ifndef CUTOVER_T_H
#define CUTOVER_T_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct t_case {
	const char	*name;
	void		(*fn)(void);
};

void	 t_register(const char *suite, const struct t_case *cases, size_t n);
bool	 t_check(bool ok, const char *expr, const char *file, int line);
bool	 t_check_str(const char *got, const char *want, const char *expr,
	    const char *file, int line);
bool	 t_check_int(long long got, long long want, const char *expr,
	    const char *file, int line);

#define T_TEST(name)	static void t_case_##name(void)
#define T_OK(cond)	t_check((cond), #cond, __FILE__, __LINE__)
#define T_EQ_STR(got, want) t_check_str((got), (want), #got, __FILE__, __LINE__)
#define T_EQ_INT(got, want) t_check_int((long long)(got), (long long)(want), \
	    #got, __FILE__, __LINE__)

#define T_CASE_(n)	{ #n, t_case_##n }
#define T_MAP1(f, a)		f(a)
#define T_EXPAND(...)	__VA_ARGS__
/* Up to 40 cases per suite; split a file's suite if it grows past that. */
#define T_NARGS(...)	T_NARGS_(__VA_ARGS__, 40,39,38,37,36,35,34,33,32,31, \
	30,29,28,27,26,25,24,23,22,21,20,19,18,17,16,15,14,13,12,11,10,9,8,7,6, \
	5,4,3,2,1)
#define T_NARGS_(_1,_2,_3,_4,_5,_6,_7,_8,_9,_10,_11,_12,_13,_14,_15,_16,_17, \
	_18,_19,_20,_21,_22,_23,_24,_25,_26,_27,_28,_29,_30,_31,_32,_33,_34,_35, \
	_36,_37,_38,_39,_40,N,...) N

#define T_SUITE(suite, ...)						\
	static const char *const t_names_##suite = #__VA_ARGS__;	\
	static void (*const t_fns_##suite[])(void) = { T_FNS(__VA_ARGS__) }; \
	__attribute__((constructor)) static void t_reg_##suite(void)	\
	{								\
		t_register_names(#suite, t_names_##suite, t_fns_##suite, \
		    sizeof(t_fns_##suite) / sizeof(t_fns_##suite[0]));	\
	}

/* Turn "a, b, c" into t_case_a, t_case_b, t_case_c. */
#define T_FNS(...)	T_FE(T_FN_, __VA_ARGS__)
#define T_FN_(x)	t_case_##x,
#define T_FE(m, ...)	T_FE_N(T_NARGS(__VA_ARGS__), m, __VA_ARGS__)
#define T_FE_N(n, m, ...) T_FE_N_(n, m, __VA_ARGS__)
#define T_FE_N_(n, m, ...) T_FE_##n(m, __VA_ARGS__)
#define T_FE_1(m, x) m(x)
#define T_FE_2(m, x, ...) m(x) T_FE_1(m, __VA_ARGS__)
#define T_FE_3(m, x, ...) m(x) T_FE_2(m, __VA_ARGS__)
#define T_FE_4(m, x, ...) m(x) T_FE_3(m, __VA_ARGS__)
#define T_FE_5(m, x, ...) m(x) T_FE_4(m, __VA_ARGS__)
#define T_FE_6(m, x, ...) m(x) T_FE_5(m, __VA_ARGS__)
#define T_FE_7(m, x, ...) m(x) T_FE_6(m, __VA_ARGS__)
#define T_FE_8(m, x, ...) m(x) T_FE_7(m, __VA_ARGS__)
#define T_FE_9(m, x, ...) m(x) T_FE_8(m, __VA_ARGS__)
#define T_FE_10(m, x, ...) m(x) T_FE_9(m, __VA_ARGS__)
#define T_FE_11(m, x, ...) m(x) T_FE_10(m, __VA_ARGS__)
#define T_FE_12(m, x, ...) m(x) T_FE_11(m, __VA_ARGS__)
#define T_FE_13(m, x, ...) m(x) T_FE_12(m, __VA_ARGS__)
#define T_FE_14(m, x, ...) m(x) T_FE_13(m, __VA_ARGS__)
#define T_FE_15(m, x, ...) m(x) T_FE_14(m, __VA_ARGS__)
#define T_FE_16(m, x, ...) m(x) T_FE_15(m, __VA_ARGS__)
#define T_FE_17(m, x, ...) m(x) T_FE_16(m, __VA_ARGS__)
#define T_FE_18(m, x, ...) m(x) T_FE_17(m, __VA_ARGS__)
#define T_FE_19(m, x, ...) m(x) T_FE_18(m, __VA_ARGS__)
#define T_FE_20(m, x, ...) m(x) T_FE_19(m, __VA_ARGS__)
#define T_FE_21(m, x, ...) m(x) T_FE_20(m, __VA_ARGS__)
#define T_FE_22(m, x, ...) m(x) T_FE_21(m, __VA_ARGS__)
#define T_FE_23(m, x, ...) m(x) T_FE_22(m, __VA_ARGS__)
#define T_FE_24(m, x, ...) m(x) T_FE_23(m, __VA_ARGS__)
#define T_FE_25(m, x, ...) m(x) T_FE_24(m, __VA_ARGS__)
#define T_FE_26(m, x, ...) m(x) T_FE_25(m, __VA_ARGS__)
#define T_FE_27(m, x, ...) m(x) T_FE_26(m, __VA_ARGS__)
#define T_FE_28(m, x, ...) m(x) T_FE_27(m, __VA_ARGS__)
#define T_FE_29(m, x, ...) m(x) T_FE_28(m, __VA_ARGS__)
#define T_FE_30(m, x, ...) m(x) T_FE_29(m, __VA_ARGS__)
#define T_FE_31(m, x, ...) m(x) T_FE_30(m, __VA_ARGS__)
#define T_FE_32(m, x, ...) m(x) T_FE_31(m, __VA_ARGS__)
#define T_FE_33(m, x, ...) m(x) T_FE_32(m, __VA_ARGS__)
#define T_FE_34(m, x, ...) m(x) T_FE_33(m, __VA_ARGS__)
#define T_FE_35(m, x, ...) m(x) T_FE_34(m, __VA_ARGS__)
#define T_FE_36(m, x, ...) m(x) T_FE_35(m, __VA_ARGS__)
#define T_FE_37(m, x, ...) m(x) T_FE_36(m, __VA_ARGS__)
#define T_FE_38(m, x, ...) m(x) T_FE_37(m, __VA_ARGS__)
#define T_FE_39(m, x, ...) m(x) T_FE_38(m, __VA_ARGS__)
#define T_FE_40(m, x, ...) m(x) T_FE_39(m, __VA_ARGS__)

void	 t_register_names(const char *suite, const char *names,
	    void (*const *fns)(void), size_t n);

#endif
