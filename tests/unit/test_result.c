/* test_result.c - what a peer can put into a result is capped. */
#include <stdlib.h>
#include <string.h>

#include "../t.h"
#include "check.h"

T_TEST(long_message_is_capped)
{
	struct result r = { 0 };
	size_t n = 50u << 20;		/* a 50 MB server error message */
	char *big = malloc(n + 1);

	memset(big, 'x', n);
	big[n] = '\0';
	result_set(&r, ST_FAIL, "query on pg: %s", big);
	result_observed(&r, "%s", big);
	result_detail(&r, "%s", big);
	T_OK(strlen(r.message) <= 4096);
	T_OK(strlen(r.observed) <= 4096);
	T_OK(strlen(r.detail) <= 64 * 1024);
	T_OK(strncmp(r.message, "query on pg: xxx", 16) == 0);
	T_OK(strstr(r.message, "(truncated)") != NULL);
	T_OK(strstr(r.observed, "(truncated)") != NULL);
	free(big);
	result_release(&r);
}

T_TEST(cut_keeps_utf8_whole)
{
	struct result r = { 0 };
	char big[10000];

	/* "é" is two bytes: a cut at an odd offset would split one. */
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[sizeof(big) - 2] = '\0';
	result_set(&r, ST_FAIL, "a%s", big);
	char *t = strstr(r.message, " ... (truncated)");
	T_OK(t != NULL && (t - r.message) % 2 == 1);
	result_release(&r);
}

T_TEST(short_text_untouched)
{
	struct result r = { 0 };

	result_set(&r, ST_PASS, "HTTP %d", 200);
	T_EQ_STR(r.message, "HTTP 200");
	result_release(&r);
}

T_SUITE(result, long_message_is_capped, cut_keeps_utf8_whole,
    short_text_untouched);
