/*
 * fuzz_dns.c - libFuzzer target for reading a DNS answer (kind dns): the
 * bytes a server sends, decoded by ldns and read into the compared
 * records.  The first byte picks the asked type; any input must give
 * records or one error, never a crash, a leak or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int	dns_answer_read(const unsigned char *wire, size_t n, int type,
	    char **out);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A, AAAA, CNAME, MX, TXT */
	static const int types[] = { 1, 28, 5, 15, 16 };
	char *out = NULL;

	if (size < 1)
		return 0;
	dns_answer_read(data + 1, size - 1, types[data[0] % 5], &out);
	free(out);
	return 0;
}
