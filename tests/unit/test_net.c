/* test_net.c - host:port splitting, addresses, RFC 6125 name matching. */
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

T_SUITE(net, hostport, addresses, cert_names_exact, cert_names_wildcard,
    netns_names, netns_missing);
