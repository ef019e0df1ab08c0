/*
 * fuzz_secrets_rules.c - libFuzzer target for the rules file of `secrets
 * scan --rules`: any bytes give rules or one error line "fuzz.yml:L:C:
 * ...", never a crash, a leak or a hang.  A rule accepted must keep the
 * scanner's promise: its regex never matches more than SCAN_MATCH_MAX
 * bytes (checked on a 160 KiB buffer of the input repeated, and of one
 * byte repeated); its keywords and allowlists run on the input.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"

#define BIG	(160 * 1024)

static void
bounded(const char *re, const char *buf, size_t len)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    PCRE2_MULTILINE, &ec, &eo, NULL);
	if (c == NULL)
		abort();	/* the parser compiled it */
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 100000);
	size_t pos = 0;
	for (int k = 0; k < 64 && pos <= len; k++) {
		if (pcre2_match(c, (PCRE2_SPTR)buf, len, pos, 0, md, mc) < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		if (ov[1] > ov[0] && ov[1] - ov[0] > SCAN_MATCH_MAX)
			abort();
		pos = ov[1] > pos ? ov[1] : pos + 1;
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_file rf;
	char *e = NULL;
	const char *d = (const char *)data;

	if (rules_file_parse("fuzz.yml", d, size, &rf, &e) != 0) {
		if (e == NULL || strncmp(e, "fuzz.yml:", 9) != 0 ||
		    strchr(e, '\n') != NULL)
			abort();
		free(e);
		return 0;
	}
	char *big = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		big[i] = size ? d[i % size] : 'a';
	for (size_t r = 0; r < rf.n; r++) {
		const struct secret_rule *ru = &rf.v[r];
		bounded(ru->regex, big, BIG);
		/* One byte repeated: where a bad bound would show. */
		memset(big, size ? d[r % size] : 'a', BIG);
		bounded(ru->regex, big, BIG);
		(void)rule_extra_wanted(ru->extra, d, size);
		(void)rule_extra_path_allowed(ru->extra, "a/b.txt");
		(void)rule_extra_allowed(ru->extra, d, size, d, size, d, size);
	}
	(void)rule_extra_allowed(rf.global, d, size, d, size, d, size);
	free(big);
	rules_file_release(&rf);
	return 0;
}
