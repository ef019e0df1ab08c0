/* test_lib.c - units, URLs, redaction, word splitting, suggestions. */
#include <stdlib.h>

#include "../t.h"
#include "check.h"
#include "lib/redact.h"
#include "lib/units.h"
#include "lib/url.h"
#include "lib/util.h"
#include "lib/yamldoc.h"

T_TEST(durations)
{
	int64_t us = 0;

	T_OK(parse_duration("250ms", &us, NULL) == 0);
	T_EQ_INT(us, 250000);
	T_OK(parse_duration("5s", &us, NULL) == 0);
	T_EQ_INT(us, 5000000);
	T_OK(parse_duration("2h", &us, NULL) == 0);
	T_EQ_INT(us, 7200000000LL);
	T_OK(parse_duration("0.5ms", &us, NULL) == 0);
	T_EQ_INT(us, 500);
	char *e = NULL;
	T_OK(parse_duration("5", &us, &e) == -1);
	T_OK(e && strstr(e, "bad duration '5'"));
	free(e);
	T_OK(parse_duration("-1s", &us, NULL) == -1);
	T_OK(parse_duration("1x", &us, NULL) == -1);
	T_OK(parse_duration("", &us, NULL) == -1);
	T_OK(parse_duration("1e400s", &us, NULL) == -1);
}

T_TEST(sizes)
{
	uint64_t b = 0;

	T_OK(parse_size("5GB", &b, NULL) == 0);
	T_EQ_INT(b, 5000000000LL);
	T_OK(parse_size("2GiB", &b, NULL) == 0);
	T_EQ_INT(b, 2147483648LL);
	T_OK(parse_size("10 MB", &b, NULL) == 0);
	T_EQ_INT(b, 10000000);
	T_OK(parse_size("lots", &b, NULL) == -1);
}

T_TEST(tiers)
{
	struct tiers t = { true, 2000, 5000, 10000 };

	T_EQ_INT(tiers_judge(&t, 1000), ST_PASS);
	T_EQ_INT(tiers_judge(&t, 4999), ST_PASS);
	T_EQ_INT(tiers_judge(&t, 5000), ST_WARN);
	T_EQ_INT(tiers_judge(&t, 9999), ST_WARN);
	T_EQ_INT(tiers_judge(&t, 10000), ST_FAIL);
	char *d = tiers_describe(&t);
	T_EQ_STR(d, "expect 2.00ms, warn 5.00ms, crit 10.0ms");
	free(d);
}

T_TEST(comparisons)
{
	struct cmp c;

	T_OK(cmp_parse("> 0", &c, NULL) == 0);
	T_OK(cmp_eval(&c, "3"));
	T_OK(!cmp_eval(&c, "0"));
	T_OK(!cmp_eval(&c, "abc"));
	cmp_free(&c);
	T_OK(cmp_parse(">= 99.9%", &c, NULL) == 0);
	T_OK(cmp_eval_num(&c, 99.95));
	T_OK(!cmp_eval_num(&c, 99.8));
	cmp_free(&c);
	T_OK(cmp_parse("< 2ms", &c, NULL) == 0);
	T_OK(cmp_eval_num(&c, 1500));
	T_OK(!cmp_eval_num(&c, 2000));
	cmp_free(&c);
	T_OK(cmp_parse("volatile-ttl", &c, NULL) == 0);
	T_OK(cmp_eval(&c, "volatile-ttl"));
	T_OK(!cmp_eval(&c, "allkeys-lru"));
	cmp_free(&c);
	T_OK(cmp_parse("> abc", &c, NULL) == -1);
	T_OK(cmp_parse(">=", &c, NULL) == -1);
}

T_TEST(urls)
{
	struct url u;
	char *e = NULL;

	T_OK(url_parse("postgres://app:s3cr%40t@db.example:5433/shop?sslmode=require",
	    &u, &e) == 0);
	T_EQ_STR(u.scheme, "postgres");
	T_EQ_STR(u.user, "app");
	T_EQ_STR(u.password, "s3cr@t");
	T_EQ_STR(u.host, "db.example");
	T_EQ_INT(u.port, 5433);
	T_EQ_STR(u.path, "shop");
	T_EQ_STR(url_param(&u, "sslmode"), "require");
	T_OK(strstr(u.safe, "s3cr") == NULL);
	url_free(&u);

	T_OK(url_parse("sqlite:rel/a.db", &u, NULL) == 0);
	T_EQ_STR(u.path, "rel/a.db");
	url_free(&u);
	T_OK(url_parse("sqlite:///abs/a.db", &u, NULL) == 0);
	T_EQ_STR(u.path, "/abs/a.db");
	url_free(&u);
	T_OK(url_parse("mysql://root@[::1]:3306/x", &u, NULL) == 0);
	T_EQ_STR(u.host, "::1");
	url_free(&u);

	setenv("T_PW", "from-the-env", 1);
	T_OK(url_parse("mysql://app@h/db?password_env=T_PW", &u, NULL) == 0);
	T_EQ_STR(u.password, "from-the-env");
	url_free(&u);
	T_OK(url_parse("mysql://app@h/db?password_env=T_NOPE_UNSET", &u, &e) == -1);
	T_OK(e && strstr(e, "T_NOPE_UNSET"));
	url_free(&u);
	T_OK(url_parse("ftp://h/x", &u, &e) == -1);
	T_OK(strstr(e, "unknown scheme 'ftp'") != NULL);
	url_free(&u);
	T_OK(url_parse("tcp://h:99999", &u, &e) == -1);
	url_free(&u);
	T_OK(url_parse("postgres://h:12ab/x", &u, &e) == -1);
	url_free(&u);
	free(e);
}

T_TEST(redaction)
{
	redact_clear();
	redact_add("hunter2-long");
	redact_add("abc");	/* too short: ignored */
	char *r = redact("pw=hunter2-long and abc");
	T_EQ_STR(r, "pw=*** and abc");
	free(r);
	r = redact("mysql://u:p%40ss@host/db and redis://:topsecret@h:6379");
	T_EQ_STR(r, "mysql://u:***@host/db and redis://:***@h:6379");
	free(r);
	r = redact("postgres://h/db?user=a&password=xyz123&sslmode=x");
	T_EQ_STR(r, "postgres://h/db?user=a&password=***&sslmode=x");
	free(r);
	r = redact("https://example.com/path?q=1 user@host.com");
	T_EQ_STR(r, "https://example.com/path?q=1 user@host.com");
	free(r);
	/* A secret that contains another is masked whole. */
	redact_add("longer-hunter2-long-x");
	r = redact("longer-hunter2-long-x");
	T_EQ_STR(r, "***");
	free(r);
	redact_clear();
}

/* A cut never splits a secret: each side is redacted on its own. */
T_TEST(redaction_cuts)
{
	redact_clear();
	redact_add("ret-AAAA1111");
	T_EQ_INT(redact_longest(), 12);
	/* "xx" + secret + "yyyyyy": a tail of 8 would start "AA1111yy". */
	const char *s = "xxret-AAAA1111yyyyyy";
	char *r = redact_tail(s, strlen(s), 8);
	T_EQ_STR(r, "yyyyyy");
	free(r);
	r = redact_tail(s, strlen(s), 100);
	T_EQ_STR(r, "xx***yyyyyy");
	free(r);
	r = redact_tail(s, strlen(s), 18);
	T_EQ_STR(r, "***yyyyyy");
	free(r);
	/* Wanting to cut inside the secret: the cut moves before it. */
	T_EQ_INT(redact_cut_before(s, strlen(s), 8, false), 2);
	T_EQ_INT(redact_cut_before(s, strlen(s), 14, false), 14);
	/* A chunk ending in "ret-AA" may be a secret yet to be completed... */
	const char *c = "line\nret-AA";
	T_EQ_INT(redact_cut_before(c, strlen(c), strlen(c), true), 5);
	/* ...unless the output has ended. */
	T_EQ_INT(redact_cut_before(c, strlen(c), strlen(c), false), strlen(c));
	const char *d = "line\nnot-a-secret\n";
	T_EQ_INT(redact_cut_before(d, strlen(d), strlen(d), true), strlen(d));
	/* Overlapping secrets: the cut leaves both whole. */
	redact_add("1111-zzzz");
	const char *o = "ret-AAAA1111-zzzz!";
	T_EQ_INT(redact_cut_before(o, strlen(o), 13, false), 0);
	r = redact_tail(o, strlen(o), 6);
	T_EQ_STR(r, "!");
	free(r);
	/* A NUL ends the text: nothing after it can leak. */
	r = redact_tail("ab\0cd", 5, 100);
	T_EQ_STR(r, "ab");
	free(r);
	redact_clear();
	T_EQ_INT(redact_longest(), 0);
}

/* Any parameter that names a secret is masked, not only password=. */
T_TEST(redaction_keys)
{
	redact_clear();
	char *r = redact("postgres://h/db?sslmode=require&sslpassword=Kp-9911&x=1");
	T_EQ_STR(r, "postgres://h/db?sslmode=require&sslpassword=***&x=1");
	free(r);
	r = redact("host=h api_token=abc123 client_secret=zz password_env=DB_PW");
	T_EQ_STR(r, "host=h api_token=*** client_secret=*** password_env=DB_PW");
	free(r);
	r = redact("DB_PASSWORD=hunter22\nOTHER=1");
	T_EQ_STR(r, "DB_PASSWORD=***\nOTHER=1");
	free(r);
	r = redact("--retry=60 mode=fast");
	T_EQ_STR(r, "--retry=60 mode=fast");
	free(r);
	T_OK(redact_key_secret("sslpassword", 11));
	T_OK(redact_key_secret("Auth-Token", 10));
	T_OK(!redact_key_secret("password_env", 12));
	T_OK(!redact_key_secret("sslmode", 7));
	/* url_parse registers them: a driver's message cannot print them. */
	struct url u;
	T_OK(url_parse("postgres://a@h/db?sslpassword=Kp%2D9911", &u, NULL) == 0);
	T_EQ_STR(url_param(&u, "sslpassword"), "Kp-9911");
	T_OK(strstr(u.safe, "Kp") == NULL);
	url_free(&u);
	r = redact("could not decrypt key with Kp-9911 or Kp%2D9911");
	T_EQ_STR(r, "could not decrypt key with *** or ***");
	free(r);
	redact_clear();
}

/* A secret is masked in the spellings programs print it in. */
T_TEST(redaction_spellings)
{
	redact_clear();
	redact_add("pa\"ss w\\rd");
	char *r = redact("{\"pw\": \"pa\\\"ss w\\\\rd\"} url=/x?p=pa%22ss%20w%5Crd raw pa\"ss w\\rd");
	T_EQ_STR(r, "{\"pw\": \"***\"} url=/x?p=*** raw ***");
	free(r);
	redact_clear();
}

/* Text from a peer cannot drive the terminal. */
T_TEST(printable)
{
	char *r = text_printable("\x1b[2K\x1b[1G\x1b[32mpass\x1b[0m", false);
	T_EQ_STR(r, "\\x1b[2K\\x1b[1G\\x1b[32mpass\\x1b[0m");
	free(r);
	r = text_printable("a\tb\nc\rd\x7f" "e\xc2\x9b" "31m \xc3\xa9 \xff", false);
	T_EQ_STR(r, "a\tb\\x0ac\\x0dd\\x7fe\\u009b31m \xc3\xa9 \xef\xbf\xbd");
	free(r);
	r = text_printable("line 1\nline 2", true);
	T_EQ_STR(r, "line 1\nline 2");
	free(r);
	r = text_printable(NULL, true);
	T_EQ_STR(r, "");
	free(r);
}

T_TEST(words)
{
	struct strlist l = STRLIST_INIT;

	T_OK(split_words("php artisan down --retry=60", &l, NULL) == 0);
	T_EQ_INT(l.n, 4);
	T_EQ_STR(l.v[3], "--retry=60");
	strlist_release(&l);
	T_OK(split_words("echo 'a b' \"c \\\"d\\\"\" e\\ f", &l, NULL) == 0);
	T_EQ_INT(l.n, 4);
	T_EQ_STR(l.v[1], "a b");
	T_EQ_STR(l.v[2], "c \"d\"");
	T_EQ_STR(l.v[3], "e f");
	strlist_release(&l);
	T_OK(split_words("echo 'oops", &l, NULL) == -1);
	strlist_release(&l);
}

T_TEST(suggestions)
{
	const char *c[] = { "check", "lint", "run", "resume", "rollback" };

	T_EQ_STR(nearest("chek", c, 5), "check");
	T_EQ_STR(nearest("rollbak", c, 5), "rollback");
	T_OK(nearest("zzzzzz", c, 5) == NULL);
}

T_TEST(sets)
{
	struct strset s = STRSET_INIT;

	T_OK(strset_add(&s, "a"));
	T_OK(strset_add(&s, "b"));
	T_OK(!strset_add(&s, "a"));
	T_OK(strset_add(&s, ""));
	T_OK(!strset_add(&s, ""));
	strset_release(&s);
	T_OK(s.root == NULL);
}

/* yamldoc_load of text: 0 with *doc, or -1 with *e. */
static int
yload(const char *text, yaml_document_t *doc, int depth,
    struct yamldoc_err *e)
{
	yaml_parser_t p;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text,
	    strlen(text));
	int rc = yamldoc_load(&p, doc, depth, e);
	yaml_parser_delete(&p);
	return rc;
}

T_TEST(yaml_documents)
{
	yaml_document_t d;
	struct yamldoc_err e;

	/* Default tags, "!" too; marks; an alias is its anchor's node. */
	T_OK(yload("a: &x [1, ! 'two']\nb: *x\n", &d, 4, &e) == 0);
	yaml_node_t *root = yaml_document_get_root_node(&d);
	T_OK(root && root->type == YAML_MAPPING_NODE);
	T_EQ_STR((char *)root->tag, YAML_DEFAULT_MAPPING_TAG);
	yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	T_OK(root->data.mapping.pairs.top - pr == 2);
	T_OK(pr[0].value == pr[1].value);
	yaml_node_t *seq = yaml_document_get_node(&d, pr[0].value);
	T_OK(seq->type == YAML_SEQUENCE_NODE);
	T_OK(seq->start_mark.line == 0 && seq->start_mark.column == 3);
	T_OK(seq->end_mark.column == 18);
	yaml_node_t *two = yaml_document_get_node(&d,
	    seq->data.sequence.items.start[1]);
	T_EQ_STR((char *)two->data.scalar.value, "two");
	T_EQ_STR((char *)two->tag, YAML_DEFAULT_SCALAR_TAG);
	T_OK(two->start_mark.column == 10);
	yaml_document_delete(&d);
	/* An empty stream is a document without a root. */
	T_OK(yload("", &d, 4, &e) == 0);
	T_OK(yaml_document_get_root_node(&d) == NULL);
	yaml_document_delete(&d);
	/* Depth 3 loads with a bound of 3; the 4th level stops it. */
	T_OK(yload("[[[x]]]", &d, 3, &e) == 0);
	yaml_document_delete(&d);
	T_OK(yload("[[[[x]]]]", &d, 3, &e) == -1);
	T_OK(e.too_deep && e.mark.column == 3);
	/* A syntax error is libyaml's, with its context. */
	T_OK(yload("a: [1, 2\n", &d, 4, &e) == -1);
	T_OK(!e.too_deep && e.problem && e.context);
	T_OK(yload("a: *b\n", &d, 4, &e) == -1);
	T_EQ_STR(e.problem, "found undefined alias");
}

T_SUITE(lib, durations, sizes, tiers, comparisons, urls, redaction,
    redaction_cuts, redaction_keys, redaction_spellings, printable, words,
    suggestions, sets, yaml_documents)
