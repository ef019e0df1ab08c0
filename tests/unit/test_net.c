/* test_net.c - host:port splitting, addresses, RFC 6125 name matching. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../t.h"
#include "lib/net.h"

T_TEST(hostport)
{
	char *h = NULL, *p = NULL, *e = NULL;

	T_OK(net_split_hostport("10.132.0.11:3306", &h, &p, NULL) == 0);
	T_EQ_STR(h, "10.132.0.11");
	T_EQ_STR(p, "3306");
	free(h);
	free(p);
	T_OK(net_split_hostport("[::1]:443", &h, &p, NULL) == 0);
	T_EQ_STR(h, "::1");
	free(h);
	free(p);
	T_OK(net_split_hostport("host", &h, &p, &e) == -1);
	T_OK(e && strstr(e, "expected host:port"));
	free(e);
	e = NULL;
	T_OK(net_split_hostport("host:99999", &h, &p, &e) == -1);
	T_OK(e && strstr(e, "bad port"));
	free(e);
}

T_TEST(addresses)
{
	unsigned char a[16], b[16];

	T_OK(net_addr_parse("127.0.0.1", a) == 0);
	T_OK(net_addr_parse("::ffff:127.0.0.1", b) == 0);
	T_OK(memcmp(a, b, 16) == 0);	/* the families compare */
	T_OK(net_addr_parse("::1", b) == 0);
	T_OK(memcmp(a, b, 16) != 0);
	T_OK(net_addr_parse("10.132.0.256", a) == -1);
	T_OK(net_addr_parse("db.example.com", a) == -1);
	T_OK(net_is_ip("fe80::1"));
	T_OK(!net_is_ip("example.com"));
}

T_TEST(cert_names_exact)
{
	T_OK(net_cert_name_matches("app.example.com", "app.example.com"));
	T_OK(net_cert_name_matches("App.Example.COM", "app.example.com"));
	T_OK(net_cert_name_matches("app.example.com.", "app.example.com"));
	T_OK(net_cert_name_matches("app.example.com", "app.example.com."));
	T_OK(!net_cert_name_matches("app.example.com", "ws.example.com"));
	T_OK(!net_cert_name_matches("app.example.com", "app.example.co"));
	T_OK(!net_cert_name_matches("", "app.example.com"));
}

T_TEST(cert_names_wildcard)
{
	/* One label, the whole left-most one (RFC 6125 6.4.3). */
	T_OK(net_cert_name_matches("*.example.com", "ws.example.com"));
	T_OK(net_cert_name_matches("*.EXAMPLE.com", "WS.example.COM"));
	T_OK(!net_cert_name_matches("*.example.com", "example.com"));
	T_OK(!net_cert_name_matches("*.example.com", "a.b.example.com"));
	T_OK(!net_cert_name_matches("*.example.com", ".example.com"));
	T_OK(!net_cert_name_matches("*.example.com", "ws.example.org"));
	/* Never a whole registrable suffix, never partial or inner stars. */
	T_OK(!net_cert_name_matches("*.com", "example.com"));
	T_OK(!net_cert_name_matches("*", "localhost"));
	T_OK(!net_cert_name_matches("w*.example.com", "ws.example.com"));
	T_OK(!net_cert_name_matches("*.*.example.com", "a.b.example.com"));
	T_OK(!net_cert_name_matches("a.*.example.com", "a.b.example.com"));
	/* An IP address is never matched by a DNS name or a wildcard. */
	T_OK(!net_cert_name_matches("*.0.0.1", "127.0.0.1"));
	T_OK(!net_cert_name_matches("127.0.0.1", "127.0.0.1"));
}

T_TEST(netns_names)
{
	char *e = NULL;

	T_OK(net_netns_name_ok("vps1"));
	T_OK(!net_netns_name_ok(""));
	T_OK(!net_netns_name_ok("../etc"));
	T_OK(!net_netns_name_ok(".."));
	T_OK(net_in_netns("a/b", NULL, NULL, &e) == -1);
	T_OK(e && strstr(e, "bad network namespace name"));
	free(e);
}

static void
mark(void *arg)
{
	*(int *)arg = 1;
}

T_TEST(netns_missing)
{
	char *e = NULL;
	int ran = 0;

	/* A namespace that cannot exist: fn must not run, the error says so. */
	T_OK(net_in_netns("cutover-test-no-such-ns", mark, &ran, &e) == -1);
	T_EQ_INT(ran, 0);
	T_OK(e && strstr(e, "does not exist"));
	free(e);
}

/* A /proc/net/tcp line as the kernel prints it on this machine. */
static void
proc_line(char *out, size_t n, const unsigned char *bytes, size_t len,
    unsigned port, unsigned state)
{
	size_t k = 0;

	k += (size_t)snprintf(out + k, n - k, "   0: ");
	for (size_t w = 0; w < len / 4; w++) {
		uint32_t v;
		memcpy(&v, bytes + w * 4, 4);
		k += (size_t)snprintf(out + k, n - k, "%08X", v);
	}
	snprintf(out + k, n - k, ":%04X 00000000:0000 %02X 00000000:00000000 "
	    "00:00000000 00000000   999        0 12345 1 0000000000000000 100 "
	    "0 0 10 0", port, state);
}

T_TEST(proc_net_tcp)
{
	unsigned char a[16], want[16], v4[4] = { 10, 132, 0, 11 };
	unsigned port = 0, st = 0;
	char line[512];

	proc_line(line, sizeof(line), v4, 4, 3306, 0x0A);
	T_OK(net_proc_tcp_line(line, false, a, &port, &st) == 0);
	T_OK(net_addr_parse("10.132.0.11", want) == 0);
	T_OK(memcmp(a, want, 16) == 0);
	T_EQ_INT(port, 3306);
	T_EQ_INT(st, 0x0A);
	/* An IPv4-mapped IPv6 socket is the same address. */
	unsigned char m[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
	proc_line(line, sizeof(line), m, 16, 6379, 0x0A);
	T_OK(net_proc_tcp_line(line, true, a, &port, &st) == 0);
	T_OK(net_addr_parse("127.0.0.1", want) == 0);
	T_OK(memcmp(a, want, 16) == 0);
	unsigned char any6[16] = { 0 };
	proc_line(line, sizeof(line), any6, 16, 443, 0x01);
	T_OK(net_proc_tcp_line(line, true, a, &port, &st) == 0);
	T_OK(memcmp(a, any6, 16) == 0);
	T_EQ_INT(st, 0x01);
	/* The header, a v6 line read as v4, junk. */
	T_OK(net_proc_tcp_line("  sl  local_address rem_address   st tx_queue "
	    "rx_queue tr tm->when retrnsmt   uid  timeout inode", false, a,
	    &port, &st) == -1);
	T_OK(net_proc_tcp_line(line, false, a, &port, &st) == -1);
	T_OK(net_proc_tcp_line("   0: 0100007G:0CEA 00000000:0000 0A", false,
	    a, &port, &st) == -1);
	T_OK(net_proc_tcp_line("   0: 0100007F:1CEAA 00000000:0000 0A", false,
	    a, &port, &st) == -1);
	T_OK(net_proc_tcp_line("", false, a, &port, &st) == -1);
}

T_SUITE(net, hostport, addresses, cert_names_exact, cert_names_wildcard,
    netns_names, netns_missing, proc_net_tcp);
