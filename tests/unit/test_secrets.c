/*
 * test_secrets.c - every rule finds its true positives and stays quiet on
 * near misses.  The "secrets" are generated here from a fixed-seed PRNG
 * in each rule's format: none is, or was, a real credential.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../t.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "secrets.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static char *
gen(size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);
	char *s = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		s[i] = alphabet[rng % k];
	}
	s[n] = '\0';
	return s;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPPER32 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define URLSAFE ALNUM "_-"
#define B64 ALNUM "+/"

static struct scanner *
scanner(void)
{
	struct scan_opts o = { 0 };
	char *e = NULL;
	struct scanner *s = scanner_new(&o, &e);

	if (s == NULL)
		fprintf(stderr, "# %s\n", e);
	return s;
}

/* Scan text; return how many findings of rule (NULL: any rule). */
static size_t
count(struct scanner *s, const char *text, const char *rule,
    const char *secret)
{
	struct findings fs = { 0 };
	size_t n = 0;

	scanner_scan_buffer(s, "t", text, strlen(text), &fs);
	for (size_t i = 0; i < fs.n; i++) {
		if (rule == NULL || strcmp(fs.v[i].rule->id, rule) == 0)
			n++;
		/* The printed match never holds the secret. */
		if (secret && strlen(secret) >= 6 && strstr(fs.v[i].match,
		    secret + 4) != NULL) {
			T_OK(!"a finding shows its secret");
			fprintf(stderr, "# shown: %s\n", fs.v[i].match);
		}
	}
	findings_release(&fs);
	return n;
}

static void
positive(struct scanner *s, const char *rule, const char *fmt,
    const char *secret)
{
	char *text = xasprintf(fmt, secret);
	size_t n = count(s, text, NULL, secret);
	size_t r = count(s, text, rule, secret);

	if (!T_OK(r == 1 && n == 1))
		fprintf(stderr, "# %s: %zu of %zu findings in: %s\n", rule, r, n,
		    text);
	free(text);
}

static void
negative(struct scanner *s, const char *text)
{
	if (!T_OK(count(s, text, NULL, NULL) == 0))
		fprintf(stderr, "# found something in: %s\n", text);
}

T_TEST(aws)
{
	struct scanner *s = scanner();
	char *id = gen(16, UPPER32), *sec = gen(40, B64);
	char *akia = xasprintf("AKIA%s", id);

	positive(s, "aws-access-key-id", "aws_access_key_id = %s\n", akia);
	positive(s, "aws-access-key-id", "\"AccessKeyId\": \"%s\",\n", akia);
	positive(s, "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY=%s\n", sec);
	positive(s, "aws-secret-access-key", "aws_secret_key: '%s'\n", sec);
	negative(s, "AKIAIOSFODNN7EXAMPLE\n");		/* AWS's documentation */
	negative(s, "AKIA1234\n");			/* too short */
	negative(s, "XAKIAABCDEFGHIJKLMNOP2\n");	/* inside a word */
	negative(s, "AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n");
	negative(s, "AWS_SECRET_ACCESS_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	free(id);
	free(sec);
	free(akia);
	scanner_free(s);
}

T_TEST(google_slack_telegram)
{
	struct scanner *s = scanner();
	char *g = gen(35, URLSAFE), *sl = gen(24, ALNUM), *tg = gen(33, URLSAFE);
	char *gk = xasprintf("AIza%s", g);
	char *sk = xasprintf("xoxb-2048-4096-%s", sl);
	char *tk = xasprintf("5123456789:AA%s", tg);
	char *hook = xasprintf("https://hooks.slack.com/services/T0AB12CD3/"
	    "B0XY98ZW7/%s", sl);

	positive(s, "google-api-key", "GOOGLE_MAPS_KEY=%s\n", gk);
	positive(s, "slack-token", "token: %s\n", sk);
	positive(s, "slack-webhook", "url = \"%s\"\n", hook);
	positive(s, "telegram-bot-token", "bot = Bot(\"%s\")\n", tk);
	negative(s, "AIzaShortKey\n");
	negative(s, "xoxb-\n");
	negative(s, "https://hooks.slack.com/services/T000/B000/XXXXXXXX\n");
	negative(s, "time 12:34:56 AA\n");
	negative(s, "123456789:AAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	free(g);
	free(sl);
	free(tg);
	free(gk);
	free(sk);
	free(tk);
	free(hook);
	scanner_free(s);
}

T_TEST(github_stripe_jwt)
{
	struct scanner *s = scanner();
	char *gh = gen(36, ALNUM), *pat = gen(82, ALNUM "_");
	char *st = gen(32, ALNUM);
	char *h = gen(20, URLSAFE), *p = gen(40, URLSAFE), *sig = gen(43, URLSAFE);
	char *ghp = xasprintf("ghp_%s", gh), *ghpat = xasprintf("github_pat_%s",
	    pat), *sk = xasprintf("sk_live_%s", st), *rk = xasprintf(
	    "rk_test_%s", st), *jwt = xasprintf("eyJ%s.eyJ%s.%s", h, p, sig);
	char *pk = xasprintf("STRIPE_PUBLISHABLE_KEY=pk_live_%s\n", st);

	positive(s, "github-token", "GITHUB_TOKEN=%s\n", ghp);
	positive(s, "github-token", "git clone https://x:%s@github.com/o/r\n",
	    ghp);
	positive(s, "github-token", "%s\n", ghpat);
	positive(s, "stripe-key", "Stripe.api_key = \"%s\"\n", sk);
	positive(s, "stripe-key", "%s\n", rk);
	positive(s, "jwt", "Authorization: Bearer %s\n", jwt);
	negative(s, pk);				/* publishable */
	negative(s, "ghp_short\n");
	negative(s, "sk_live_EXAMPLEexampleEXAMPLEexample12\n");
	negative(s, "eyJhbGciOiJIUzI1NiJ9\n");		/* one part only */
	free(gh);
	free(pat);
	free(st);
	free(h);
	free(p);
	free(sig);
	free(ghp);
	free(ghpat);
	free(sk);
	free(rk);
	free(jwt);
	free(pk);
	scanner_free(s);
}

T_TEST(private_keys)
{
	struct scanner *s = scanner();
	char *body = gen(64, B64);

	positive(s, "private-key", "-----BEGIN RSA PRIVATE KEY-----\n%s\n"
	    "-----END RSA PRIVATE KEY-----\n", body);
	positive(s, "private-key", "key: |\n  -----BEGIN OPENSSH PRIVATE KEY-----"
	    "\n%s\n", body);
	positive(s, "private-key", "-----BEGIN RSA PRIVATE KEY-----\r\n"
	    "Proc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,00FF\r\n\r\n%s\r\n",
	    body);
	negative(s, "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC"
	    "AQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n");
	negative(s, "-----BEGIN CERTIFICATE-----\n");
	negative(s, "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n");
	free(body);
	scanner_free(s);
}

T_TEST(url_passwords)
{
	struct scanner *s = scanner();
	char *pw = gen(14, ALNUM);
	const char *schemes[] = { "postgres", "postgresql", "mysql", "redis",
		"mongodb", "mongodb+srv", "amqp", NULL };

	for (size_t i = 0; schemes[i]; i++) {
		char *fmt = xasprintf("DATABASE_URL=%s://app:%%s@db.internal:5432/"
		    "x\n", schemes[i]);
		positive(s, "url-password", fmt, pw);
		free(fmt);
	}
	positive(s, "url-password", "REDIS_URL=redis://:%s@10.0.0.5:6379/0\n",
	    pw);
	/* A weak password in a URL is still a leak. */
	positive(s, "url-password", "mysql://root:%s@localhost/app\n",
	    "hunter2");
	negative(s, "postgres://app:${DB_PASSWORD}@db/x\n");
	negative(s, "mysql://user:<password>@host/db\n");
	negative(s, "postgres://user:PASSWORD@host/db\n");
	negative(s, "redis://:REPLACE_ME@host:6379\n");
	negative(s, "postgres://app@db/x\n");
	negative(s, "https://user:pass@example.com/\n");	/* not a store */
	free(pw);
	scanner_free(s);
}

T_TEST(generic_assignments)
{
	struct scanner *s = scanner();
	/* A digit at the end: a random one without any is judged below. */
	char *r = gen(23, ALNUM), *v = xasprintf("%s7", r);

	positive(s, "generic-secret", "DB_PASSWORD=%s\n", v);
	positive(s, "generic-secret", "  client_secret: \"%s\"\n", v);
	positive(s, "generic-secret", "$config['api_key'] = '%s';\n", v);
	negative(s, "password = os.environ['DB_PASSWORD']\n");
	negative(s, "password: ${{ secrets.DB_PASSWORD }}\n");
	negative(s, "DB_PASSWORD=REPLACE_ME\n");
	negative(s, "DB_PASSWORD=<password>\n");
	negative(s, "password=password\n");
	negative(s, "token_url = settings.TOKEN_ENDPOINT_URL\n");
	negative(s, "PASSWORD_MIN_LENGTH=12\n");
	negative(s, "secret=abcabcabcabc1\n");		/* low entropy */
	/* Letters only: random ones are secrets, identifiers are not. */
	positive(s, "generic-secret", "DB_PASSWORD=%s\n",
	    "qWeRtZuIoPaSdFgHjKlYxCvB");
	positive(s, "generic-secret", "api_key: %s\n", "HkPqzWvRmnTxLbYs");
	negative(s, "password=getPasswordFromEnvironment\n");
	negative(s, "secret_key=TokenEndpointUrlValue\n");
	negative(s, "password: SOMEPASSWORDCONSTANT\n");
	free(r);
	free(v);
	scanner_free(s);
}

T_TEST(positions_and_fingerprints)
{
	struct scanner *s = scanner();
	char *gh = gen(36, ALNUM);
	char *text = xasprintf("line one\n\n  x = \"ghp_%s\"\n", gh);
	struct findings a = { 0 }, b = { 0 };

	scanner_scan_buffer(s, "f", text, strlen(text), &a);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(a.v[0].line, 3);
	T_EQ_INT(a.v[0].col, 8);
	T_EQ_STR(a.v[0].match, "ghp_***");
	/* Same secret elsewhere: same fingerprint. */
	char *moved = xasprintf("ghp_%s\n", gh);
	scanner_scan_buffer(s, "g", moved, strlen(moved), &b);
	T_EQ_INT(b.n, 1);
	T_EQ_STR(a.v[0].fingerprint, b.v[0].fingerprint);
	T_EQ_INT(strlen(a.v[0].fingerprint), 16);
	findings_release(&a);
	findings_release(&b);
	free(text);
	free(moved);
	free(gh);
	scanner_free(s);
}

T_TEST(excludes)
{
	struct strlist p = STRLIST_INIT;

	strlist_push(&p, "node_modules/");
	strlist_push(&p, "*.min.js");
	strlist_push(&p, "/build");
	strlist_push(&p, "docs/**/*.md");
	T_OK(scan_excluded(&p, "node_modules", true));
	T_OK(scan_excluded(&p, "a/node_modules", true));
	T_OK(!scan_excluded(&p, "node_modules", false));
	T_OK(scan_excluded(&p, "web/app.min.js", false));
	T_OK(scan_excluded(&p, "build", true));
	T_OK(!scan_excluded(&p, "src/build", true));
	T_OK(scan_excluded(&p, "docs/a/b/c.md", false));
	T_OK(!scan_excluded(&p, "src/app.js", false));
	strlist_release(&p);
}

T_TEST(gitlab_npm_sendgrid)
{
	struct scanner *s = scanner();
	char *gl = gen(20, URLSAFE), *np = gen(36, ALNUM);
	char *sg1 = gen(22, URLSAFE), *sg2 = gen(43, URLSAFE);
	char *glpat = xasprintf("glpat-%s", gl), *npm = xasprintf("npm_%s", np);
	char *sg = xasprintf("SG.%s.%s", sg1, sg2);

	positive(s, "gitlab-token", "GITLAB_TOKEN=%s\n", glpat);
	positive(s, "npm-token", "//registry.npmjs.org/:_authToken=%s\n", npm);
	positive(s, "sendgrid-key", "SENDGRID_API_KEY='%s'\n", sg);
	negative(s, "glpat-short\n");
	negative(s, "npm_install_timeout=30\n");
	negative(s, "SG.short.key\n");
	negative(s, "glpat-xxxxxxxxxxxxxxxxxxxx\n");
	free(gl);
	free(np);
	free(sg1);
	free(sg2);
	free(glpat);
	free(npm);
	free(sg);
	scanner_free(s);
}

/*
 * Files are scanned in overlapping windows: the findings must be those of
 * the whole file in one buffer, whatever straddles a window's edges.
 */
T_TEST(windows_match_whole_file)
{
	struct scanner *s = scanner();
	struct buf b = BUF_INIT;
	char path[] = "/tmp/cutover-win.XXXXXX";
	const size_t W = SCAN_WINDOW, O = SCAN_MATCH_MAX;
	/* Edges of the first three windows: buffer ends and accepted ends. */
	const size_t at[] = { W - O - 30, W - O - 1, W - O, W - O + 5, W - 40,
		W - 3, W + 2, 2 * W - 2 * O - 50, 2 * W - 3 * O - 10,
		2 * W - 3 * O + 1, 3 * W - 4 * O - 20, 3 * W - 5 * O - 2 };
	size_t nat = sizeof(at) / sizeof(at[0]);

	for (size_t i = 0; i < nat; i++) {
		/* Filler lines of varied length up to the spot. */
		while (b.len + 1 < at[i]) {
			size_t n = 1 + (b.len * 7919) % 300;
			if (b.len + n + 1 > at[i])
				n = at[i] - b.len - 1;
			for (size_t k = 0; k < n; k++)
				buf_addc(&b, (char)('a' + (b.len + k) % 26));
			buf_addc(&b, '\n');
		}
		char *tok = gen(36, ALNUM), *pw = gen(24, ALNUM);
		char *key = gen(64, B64);
		switch (i % 3) {
		case 0:
			buf_addf(&b, "token = ghp_%s\n", tok);
			break;
		case 1:
			buf_addf(&b, "db_password=%s url=postgres://u:%s@h/db\n",
			    pw, pw);
			break;
		default:
			buf_addf(&b, "-----BEGIN RSA PRIVATE KEY-----\n%s\n%s\n",
			    key, key);
			break;
		}
		free(tok);
		free(pw);
		free(key);
	}
	buf_adds(&b, "tail\n");
	int fd = mkstemp(path);
	T_OK(fd >= 0);
	T_OK(write(fd, b.s, b.len) == (ssize_t)b.len);
	close(fd);

	struct findings whole = { 0 }, win;
	char *e = NULL;
	char *paths[] = { path };
	scanner_scan_buffer(s, path, b.s, b.len, &whole);
	T_EQ_INT(scanner_scan(s, paths, 1, &win, &e), 0);
	T_OK(whole.n >= nat);
	T_EQ_INT(win.n, whole.n);
	for (size_t i = 0; i < whole.n && i < win.n; i++) {
		T_EQ_INT(win.v[i].line, whole.v[i].line);
		T_EQ_INT(win.v[i].col, whole.v[i].col);
		T_EQ_STR(win.v[i].rule->id, whole.v[i].rule->id);
		T_EQ_STR(win.v[i].fingerprint, whole.v[i].fingerprint);
		T_EQ_STR(win.v[i].match, whole.v[i].match);
	}
	T_EQ_INT(win.nfiles, 1);
	T_EQ_INT((long long)win.bytes, (long long)b.len);
	findings_release(&whole);
	findings_release(&win);
	unlink(path);
	buf_release(&b);
	scanner_free(s);
}

T_SUITE(secrets, aws, google_slack_telegram, github_stripe_jwt,
    private_keys, url_passwords, generic_assignments,
    positions_and_fingerprints, excludes, gitlab_npm_sendgrid,
    windows_match_whole_file)
