/*
 * test_dotenv.c - the .env parser and what env check and env diff find.
 * Values in these cases are made up on the spot; none is a real secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../t.h"
#include "envcheck.h"
#include "lib/buf.h"
#include "lib/dotenv.h"
#include "lib/strength.h"

static int
parse(const char *s, struct env_file *f, char **e)
{
	return dotenv_parse("t.env", s, strlen(s), f, e);
}

static const char *
val(const struct env_file *f, const char *k)
{
	const struct env_entry *e = dotenv_get(f, k);
	return e ? e->value : "(absent)";
}

T_TEST(basics)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("# comment\n\nA=1\nexport B=two words\n  C = spaced  \n"
	    "D=\nE=a#b\nF=x # trailing comment\nG\n", &f, &e) == 0);
	T_EQ_INT(f.n, 7);
	T_EQ_STR(val(&f, "A"), "1");
	T_EQ_STR(val(&f, "B"), "two words");
	T_OK(dotenv_get(&f, "B")->exported);
	T_EQ_STR(val(&f, "C"), "spaced");
	T_EQ_STR(val(&f, "D"), "");
	T_EQ_STR(val(&f, "E"), "a#b");
	T_EQ_STR(val(&f, "F"), "x");
	T_OK(!dotenv_get(&f, "G")->has_value);
	T_EQ_INT(dotenv_get(&f, "F")->line, 8);
	dotenv_release(&f);
}

T_TEST(quotes_and_escapes)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("S='no $ESC \\n here'\nD=\"tab\\tnl\\nq\\\"bs\\\\d\\$x\"\n"
	    "K=\"keep \\w\"\nB=`back tick`\nH=\"a # not a comment\" # one\n",
	    &f, &e) == 0);
	T_EQ_STR(val(&f, "S"), "no $ESC \\n here");
	T_EQ_STR(val(&f, "D"), "tab\tnl\nq\"bs\\d$x");
	T_EQ_STR(val(&f, "K"), "keep \\w");
	T_EQ_STR(val(&f, "B"), "back tick");
	T_EQ_STR(val(&f, "H"), "a # not a comment");
	T_EQ_INT(dotenv_get(&f, "S")->refs.n, 0);	/* single: literal */
	dotenv_release(&f);
}

T_TEST(multiline_values)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("KEY=\"-----BEGIN X-----\nline2\nline3\n-----END X-----\"\n"
	    "NEXT=1\nS='a\nb'\nLAST=2\n", &f, &e) == 0);
	T_EQ_STR(val(&f, "KEY"), "-----BEGIN X-----\nline2\nline3\n"
	    "-----END X-----");
	T_EQ_INT(dotenv_get(&f, "NEXT")->line, 5);
	T_EQ_STR(val(&f, "S"), "a\nb");
	T_EQ_INT(dotenv_get(&f, "LAST")->line, 8);
	dotenv_release(&f);
}

T_TEST(crlf_and_bom)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("\xef\xbb\xbf" "A=1\r\nB=\"x\r\ny\"\r\nC='q' \r\n# c\r\nD=4\r\n",
	    &f, &e) == 0);
	T_OK(f.bom);
	T_OK(f.crlf);
	T_EQ_STR(val(&f, "A"), "1");
	T_EQ_STR(val(&f, "B"), "x\ny");
	T_EQ_STR(val(&f, "C"), "q");
	T_EQ_STR(val(&f, "D"), "4");
	T_EQ_INT(dotenv_get(&f, "D")->line, 6);
	dotenv_release(&f);
}

T_TEST(references_not_expanded)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("H=db\nU=\"postgres://${USER}:${PW:-x}@${H}/$DB\"\n"
	    "P=$$ not a ref 5$\n", &f, &e) == 0);
	const struct env_entry *u = dotenv_get(&f, "U");
	T_EQ_STR(u->value, "postgres://${USER}:${PW:-x}@${H}/$DB");
	T_EQ_INT(u->refs.n, 4);
	T_OK(strlist_has(&u->refs, "PW"));
	T_OK(strlist_has(&u->refs, "DB"));
	T_EQ_INT(dotenv_get(&f, "P")->refs.n, 0);
	dotenv_release(&f);
}

T_TEST(errors_name_file_and_line)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("A=1\nB=\"open\nC=3\n", &f, &e) == -1);
	T_EQ_STR(e, "t.env:2:3: 'B': unterminated double-quoted value (opened "
	    "here)");
	free(e);
	e = NULL;
	dotenv_release(&f);
	T_OK(parse("A=1\n\nnot a pair\n", &f, &e) == -1);
	T_EQ_STR(e, "t.env:3:4: expected KEY=VALUE: a space where '=' should "
	    "follow the key (keys are letters, digits and _ . -)");
	free(e);
	e = NULL;
	dotenv_release(&f);
	T_OK(parse("A='x' y\n", &f, &e) == -1);
	T_EQ_STR(e, "t.env:1:7: 'A': text after the closing quote");
	free(e);
	e = NULL;
	dotenv_release(&f);
	T_OK(parse("=1\n", &f, &e) == -1);
	T_EQ_STR(e, "t.env:1:1: expected KEY=VALUE: a key starts with a letter "
	    "or '_', found a character keys may not contain");
	free(e);
	e = NULL;
	dotenv_release(&f);
	/* fuzz_dotenv: "export " at the very end read past the data. */
	T_OK(dotenv_parse("t.env", "KEY\nexport ", 11, &f, &e) == -1);
	T_EQ_STR(e, "t.env:2:8: expected KEY=VALUE: a key starts with a "
	    "letter or '_', found the end of the file");
	free(e);
	e = NULL;
	dotenv_release(&f);
	T_OK(dotenv_parse("t.env", "A=1\nB\0=2\n", 9, &f, &e) == -1);
	T_EQ_STR(e, "t.env:2:2: NUL byte: binary data, not an env file");
	free(e);
	dotenv_release(&f);
}

/*
 * A malformed line may be a line of a private key pasted without quotes:
 * the message names the place, never the text.
 */
T_TEST(errors_never_quote_the_line)
{
	static const char *const bad[] = {
		"A=1\nBAD KEY=Secret-7777\n",
		"A=1\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7+x/q\n",
		"  MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 x\n",
		"-----BEGIN PRIVATE KEY-----\n",
		"K=\"ok\" MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAg\n",
		"K=\"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAg\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct env_file f;
		char *e = NULL;
		T_OK(parse(bad[i], &f, &e) == -1);
		T_OK(e && strncmp(e, "t.env:", 6) == 0);
		T_OK(e && strstr(e, "Secret") == NULL);
		T_OK(e && strstr(e, "MIIE") == NULL);
		T_OK(e && strstr(e, "BEGIN") == NULL);
		T_OK(e && strstr(e, "KEY=Secret") == NULL);
		if (e && (strstr(e, "MIIE") || strstr(e, "Secret")))
			fprintf(stderr, "# leaked: %s\n", e);
		free(e);
		dotenv_release(&f);
	}
}

static bool
has_finding(const struct env_findings *fs, const char *key, const char *code)
{
	for (size_t i = 0; i < fs->n; i++)
		if ((key == NULL ? fs->v[i].key == NULL : fs->v[i].key &&
		    strcmp(fs->v[i].key, key) == 0) &&
		    strcmp(fs->v[i].code, code) == 0)
			return true;
	return false;
}

T_TEST(check_findings)
{
	struct env_file f;
	struct env_findings fs;
	struct strlist req = STRLIST_INIT;
	char *e = NULL;

	strlist_split(&req, "APP_KEY,MISSING_ONE", ',');
	T_OK(parse("APP_ENV=production\nAPP_DEBUG=true\nAPP_KEY=\n"
	    "DB_PASSWORD=short\nAPI_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "JWT_SECRET=Zq8vN2xL0pR7sT4uW1yA3cE5gI9kM6oQbDfHjlnrtvxz\n"
	    "MAIL_HOST=smtp.example.com\nSTRIPE_KEY=REPLACE_ME\n"
	    "X=1\nX=2\nURL=${HOST}/x\nAWS_ACCESS_KEY_ID=AKIA0000000000000000\n",
	    &f, &e) == 0);
	struct env_check_opts o = { .require = &req, .production = -1 };
	env_check(&f, &o, &fs);
	T_OK(has_finding(&fs, "MISSING_ONE", "missing"));
	T_OK(has_finding(&fs, "APP_KEY", "empty"));
	T_OK(has_finding(&fs, "APP_DEBUG", "debug-in-production"));
	T_OK(has_finding(&fs, "DB_PASSWORD", "weak-secret"));
	T_OK(has_finding(&fs, "API_TOKEN", "weak-secret"));	/* entropy */
	T_OK(!has_finding(&fs, "JWT_SECRET", "weak-secret"));
	T_OK(has_finding(&fs, "MAIL_HOST", "placeholder"));
	T_OK(has_finding(&fs, "STRIPE_KEY", "placeholder"));
	T_OK(has_finding(&fs, "X", "duplicate"));
	T_OK(has_finding(&fs, "URL", "undefined-reference"));
	T_OK(!has_finding(&fs, "AWS_ACCESS_KEY_ID", "weak-secret"));
	/* No message ever carries a value. */
	for (size_t i = 0; i < fs.n; i++) {
		T_OK(strstr(fs.v[i].msg, "short") == NULL ||
		    strcmp(fs.v[i].code, "weak-secret") != 0);
		T_OK(strstr(fs.v[i].msg, "Zq8vN2") == NULL);
		T_OK(strstr(fs.v[i].msg, "REPLACE_ME") == NULL);
	}
	env_findings_release(&fs);
	/* Not production: the debug flag is fine. */
	o.production = 0;
	env_check(&f, &o, &fs);
	T_OK(!has_finding(&fs, "APP_DEBUG", "debug-in-production"));
	env_findings_release(&fs);
	dotenv_release(&f);
	strlist_release(&req);
}

T_TEST(placeholders_and_secret_names)
{
	const char *yes[] = { "REPLACE_ME", "changeme", "CHANGE-ME", "<password>",
		"your-api-key-here", "your_secret_here", "xxx", "XXXXXXXX", "TODO",
		"example", "https://api.example.com", "${DB_PASSWORD}", "$DB_PASS",
		"****", "password", "{{ secret }}", "%s", "todo-fill-in", NULL };
	const char *no[] = { "Zq8vN2xL0pR7sT4u", "todoist", "production",
		"smtp.mailgun.org", "5432", "s3cr3t-but-real-Q9", "xylophone",
		"examples-are-words-too?no", NULL };

	for (size_t i = 0; yes[i]; i++)
		if (!T_OK(looks_placeholder(yes[i], strlen(yes[i]))))
			fprintf(stderr, "# not a placeholder: %s\n", yes[i]);
	for (size_t i = 0; no[i]; i++)
		if (!T_OK(!looks_placeholder(no[i], strlen(no[i]))))
			fprintf(stderr, "# placeholder: %s\n", no[i]);
	T_OK(key_looks_secret("DB_PASSWORD"));
	T_OK(key_looks_secret("APP_KEY"));
	T_OK(key_looks_secret("GITHUB_TOKEN"));
	T_OK(key_looks_secret("client_secret"));
	T_OK(!key_looks_secret("AWS_ACCESS_KEY_ID"));
	T_OK(!key_looks_secret("STRIPE_PUBLISHABLE_KEY"));
	T_OK(!key_looks_secret("KEYCLOAK_URL"));
	T_OK(!key_looks_secret("PASSWORD_RESET_TTL"));
	T_OK(!key_looks_secret("DB_HOST"));
	T_OK(secret_weakness("Zq8vN2xL0pR7sT4uW1yA3cE5gI9kM6oQ", 32) == NULL);
	T_EQ_STR(secret_weakness("Zq8vN2xL0pR7sT4u", 32), "short");
	T_EQ_STR(secret_weakness("abababababababababababababababab", 32),
	    "low entropy");
}

static struct env_diff_row *
row(struct env_diff_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

T_TEST(diff_and_drift)
{
	struct env_file a, b;
	struct env_diff_row *rows;
	size_t n;
	char *e = NULL;
	struct strlist expect = STRLIST_INIT;

	T_OK(parse("DB_HOST=10.0.0.1\nDB_PASSWORD=aaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "REDIS_HOST=10.0.0.1\nOLD=1\nSAME=x\n", &a, &e) == 0);
	const char *nb = "DB_HOST=10.0.0.22\nDB_PASSWORD="
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\nREDIS_HOST=10.0.0.1\n"
	    "NEW=1\nSAME=x\n";
	T_OK(dotenv_parse("n.env", nb, strlen(nb), &b, &e) == 0);
	/* Without expectations every difference counts. */
	T_EQ_INT(env_diff(&a, &b, NULL, &rows, &n), 4);
	struct env_diff_row *pw = row(rows, n, "DB_PASSWORD");
	T_EQ_INT(pw->change, ENV_CHANGED);
	T_EQ_INT(pw->oldlen, 24);
	T_EQ_INT(pw->newlen, 40);
	T_EQ_INT(row(rows, n, "OLD")->change, ENV_REMOVED);
	T_EQ_INT(row(rows, n, "NEW")->change, ENV_ADDED);
	T_EQ_INT(row(rows, n, "SAME")->change, ENV_UNCHANGED);
	env_diff_release(rows, n);
	/* The seeds' "must update these": REDIS_HOST did not. */
	strlist_split(&expect, "DB_HOST,DB_PASSWORD,REDIS_HOST", ',');
	T_EQ_INT(env_diff(&a, &b, &expect, &rows, &n), 3);
	T_OK(row(rows, n, "REDIS_HOST")->problem);
	T_OK(!row(rows, n, "DB_HOST")->problem);
	T_OK(row(rows, n, "NEW")->problem);		/* drift */
	T_OK(row(rows, n, "OLD")->problem);		/* drift */
	env_diff_release(rows, n);
	/* An expected key in neither file is its own kind of problem. */
	strlist_push(&expect, "NOWHERE");
	T_EQ_INT(env_diff(&a, &b, &expect, &rows, &n), 4);
	T_EQ_INT(row(rows, n, "NOWHERE")->change, ENV_ABSENT);
	env_diff_release(rows, n);
	dotenv_release(&a);
	dotenv_release(&b);
	strlist_release(&expect);
}

T_TEST(expansion)
{
	struct env_file f;
	char *e = NULL;

	T_OK(parse("H=db\nP=s3cr\nURL=\"pg://u:${P}@${H}/x\"\nLIT='${H}'\n"
	    "D1=${NOPE:-dflt}\nD2=${EMPTY:-dflt}\nD3=${EMPTY-dflt}\nEMPTY=\n"
	    "E2=${EMPTY:-dflt}|${EMPTY-dflt}\nBARE=$H-$P\nDOLLAR=$$H\n"
	    "LATER=${AFTER}\nAFTER=x\nOPEN=${H\nH=changed\nUSE=$H\n", &f,
	    &e) == 0);
	T_OK(dotenv_expand(&f, &e) == 0);
	T_EQ_STR(val(&f, "URL"), "pg://u:s3cr@db/x");
	T_EQ_STR(val(&f, "LIT"), "${H}");		/* single quotes */
	T_EQ_STR(val(&f, "D1"), "dflt");
	T_EQ_STR(val(&f, "D2"), "dflt");		/* unset, before EMPTY */
	T_EQ_STR(val(&f, "D3"), "dflt");
	T_EQ_STR(val(&f, "E2"), "dflt|");		/* :- vs - on empty */
	T_EQ_STR(val(&f, "BARE"), "db-s3cr");
	T_EQ_STR(val(&f, "DOLLAR"), "$H");
	T_EQ_STR(val(&f, "LATER"), "");		/* only keys above */
	T_EQ_STR(val(&f, "OPEN"), "${H");		/* not a reference */
	T_EQ_STR(val(&f, "USE"), "changed");	/* the latest above */
	T_EQ_INT(dotenv_get(&f, "DOLLAR")->refs.n, 0);
	dotenv_release(&f);
}

/*
 * Each line doubles the one above: 40 lines would be a terabyte.  The
 * expansion stops at the per-value limit, naming the key and its place.
 */
T_TEST(expansion_is_bounded)
{
	struct buf b = BUF_INIT;
	struct env_file f;
	char *e = NULL;

	buf_adds(&b, "V0=0123456789abcdef0123456789abcdef\n");
	for (int i = 1; i <= 40; i++)
		buf_addf(&b, "V%d=\"${V%d}${V%d}\"\n", i, i - 1, i - 1);
	T_OK(parse(b.s, &f, &e) == 0);
	T_OK(dotenv_expand(&f, &e) == -1);
	/* 32 << 15 is 1 MiB: V15 fits, V16 does not. */
	T_EQ_STR(e, "t.env:17:1: 'V16': expanding ${...} references makes "
	    "the value larger than 1 MiB");
	free(e);
	e = NULL;
	dotenv_release(&f);
	buf_release(&b);

	/* Many values each under the limit: the file's total is bounded. */
	buf_adds(&b, "BIG=");
	for (int i = 0; i < 1000 * 1000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\n");
	for (int i = 0; i < 40; i++)
		buf_addf(&b, "  C%d=$BIG\n", i);
	T_OK(parse(b.s, &f, &e) == 0);
	T_OK(dotenv_expand(&f, &e) == -1);
	T_EQ_STR(e, "t.env:17:3: 'C15': expanding ${...} references makes "
	    "the file's values larger than 16 MiB");
	free(e);
	dotenv_release(&f);
	buf_release(&b);
}

/* Lookups go through the index: later assignments win, in any order. */
T_TEST(many_keys)
{
	struct buf b = BUF_INIT;
	struct env_file f;
	char *e = NULL;

	for (int i = 0; i < 100000; i++)
		buf_addf(&b, "K%d=v%d\n", (i * 7919) % 100000, i);
	buf_adds(&b, "K5=last\nREF=${K5}-$K6\n");
	T_OK(parse(b.s, &f, &e) == 0);
	T_EQ_INT(f.n, 100002);
	T_EQ_STR(val(&f, "K5"), "last");
	T_EQ_STR(val(&f, "K0"), "v0");
	T_OK(dotenv_get(&f, "K100000") == NULL);
	T_OK(dotenv_get(&f, "K") == NULL);
	struct env_findings fs;
	struct env_check_opts o = { .production = -1 };
	env_check(&f, &o, &fs);
	T_EQ_INT(fs.nwarn, 1);		/* K5 set twice */
	env_findings_release(&fs);
	T_OK(dotenv_expand(&f, &e) == 0);
	/* K6 is assigned once, by i = 6 * 7919^-1 mod 100000. */
	T_OK(strncmp(val(&f, "REF"), "last-v", 6) == 0);
	dotenv_release(&f);
	buf_release(&b);
}

/*
 * Across hosts: HMAC-SHA-256 (RFC 4231 case 2 checks the primitive), the
 * same value under the same key gives the same fingerprint, another value
 * or another key another one, and the per-process key is 64 hex digits
 * made once.
 */
T_TEST(fingerprints)
{
	struct env_file a, b;
	char *e = NULL, fa[ENV_FP_HEX + 1], fb[ENV_FP_HEX + 1];
	/* "Jefe" as the key, hex, padded to the 32 bytes a key has. */
	const char *jefe = "4a656665";

	T_OK(parse("K=what do ya want for nothing?\nL=x\n", &a, &e) == 0);
	T_OK(parse("M=what do ya want for nothing?\nL=y\n", &b, &e) == 0);
	T_OK(env_fingerprint(&a, "K", jefe, fa));
	T_EQ_STR(fa, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
	    "64ec3843");
	const char *k = env_fp_key();
	T_EQ_INT(strlen(k), ENV_FP_HEX);
	T_OK(k == env_fp_key());
	T_OK(env_fingerprint(&a, "K", k, fa));
	T_OK(env_fingerprint(&b, "M", k, fb));
	T_EQ_STR(fa, fb);
	T_OK(env_fingerprint(&a, "L", k, fa));
	T_OK(env_fingerprint(&b, "L", k, fb));
	T_OK(strcmp(fa, fb) != 0);
	T_OK(env_fingerprint(&a, "L", jefe, fb));
	T_OK(strcmp(fa, fb) != 0);
	T_OK(!env_fingerprint(&a, "NOPE", k, fa));
	dotenv_release(&a);
	dotenv_release(&b);
}

T_SUITE(dotenv, fingerprints, basics, quotes_and_escapes, multiline_values, crlf_and_bom,
    references_not_expanded, errors_name_file_and_line, check_findings,
    placeholders_and_secret_names, diff_and_drift, expansion,
    errors_never_quote_the_line, expansion_is_bounded, many_keys)
