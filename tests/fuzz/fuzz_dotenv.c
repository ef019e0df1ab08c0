/*
 * fuzz_dotenv.c - libFuzzer target for the .env parser and everything
 * that reads its output: any bytes must give entries or one error line,
 * never a crash, a leak or a hang; a parsed file must survive env check,
 * a diff against itself (which must find no difference) and expansion.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "envcheck.h"
#include "lib/dotenv.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct env_file f;
	char *e = NULL;

	if (dotenv_parse("fuzz.env", (const char *)data, size, &f, &e) == 0) {
		struct env_findings fs;
		struct env_check_opts o = { .production = -1 };
		env_check(&f, &o, &fs);
		env_findings_release(&fs);
		struct env_diff_row *rows;
		size_t n;
		if (env_diff(&f, &f, NULL, &rows, &n) != 0)
			abort();
		env_diff_release(rows, n);
		/*
		 * Expansion only ever reads keys above: it must terminate,
		 * and within its size limits.
		 */
		if (dotenv_expand(&f, &e) == 0) {
			o.expanded = true;
			env_check(&f, &o, &fs);
			env_findings_release(&fs);
		}
	}
	dotenv_release(&f);
	free(e);
	return 0;
}
