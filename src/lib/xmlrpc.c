/*
 * xmlrpc.c - reading supervisord's XML-RPC answers with libxml2 (see
 * xmlrpc.h).  libxml2 is asked for no network and no entity substitution
 * (XML_PARSE_NONET, no XML_PARSE_NOENT), and its own limits bound depth
 * and entity expansion; the caller bounds the input at XMLRPC_MAX.
 * XML-RPC types: <string> or an untyped <value>text</value> are text,
 * <int>/<i4> integers; anything else where cutover expects one of those
 * is a malformed answer, never a default.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "error.h"
#include "lazy_xml2.h"
#include "util.h"
#include "xmalloc.h"
#include "xmlrpc.h"

char *
xmlrpc_call(const char *method)
{
	return xasprintf("<?xml version=\"1.0\"?>\n<methodCall><methodName>%s"
	    "</methodName><params></params></methodCall>\n", method);
}

static void
proc_release(struct sv_proc *p)
{
	free(p->name);
	free(p->group);
	free(p->statename);
	free(p->spawnerr);
	free(p->description);
}

/* libxml2 wants its global state made once, before threads use it. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init(void)
{
	xmlInitParser();
}

static bool
is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The first element child of n, skipping text and comments. */
static xmlNode *
child(const xmlNode *n)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

static xmlNode *
next_el(const xmlNode *n)
{
	for (xmlNode *c = n->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* A <value>'s text: <string>x</string>, or untyped. */
static int
value_str(const xmlNode *v, char **out)
{
	xmlNode *t = child(v);
	xmlChar *s;

	if (t && !is(t, "string"))
		return -1;
	s = xmlNodeGetContent(t ? t : v);
	*out = xstrdup(s ? (const char *)s : "");
	xmlFree(s);
	return 0;
}

static int
value_int(const xmlNode *v, long long *out)
{
	xmlNode *t = child(v);
	xmlChar *s;
	char *end;

	if (!is(t, "int") && !is(t, "i4"))
		return -1;
	s = xmlNodeGetContent(t);
	errno = 0;
	*out = strtoll(s ? (const char *)s : "", &end, 10);
	int bad = s == NULL || end == (char *)s || *end || errno;
	xmlFree(s);
	return bad ? -1 : 0;
}

/* Iterate a <struct>'s members: name and <value>. */
static xmlNode *
member(xmlNode *m, const char **name, xmlNode **value)
{
	for (; m; m = next_el(m)) {
		xmlNode *nm = child(m), *v = nm ? next_el(nm) : NULL;
		if (!is(m, "member") || !is(nm, "name") || !is(v, "value"))
			continue;
		*name = (const char *)(nm->children && nm->children->type ==
		    XML_TEXT_NODE ? nm->children->content : (xmlChar *)"");
		*value = v;
		return m;
	}
	return NULL;
}

static int
parse_fault(xmlNode *f, char **errp)
{
	xmlNode *st = child(child(f));
	long long code = 0;
	char *text = NULL;
	const char *nm;
	xmlNode *v;

	if (!is(st, "struct"))
		return seterr(errp, "malformed XML-RPC fault");
	for (xmlNode *m = member(child(st), &nm, &v); m;
	    m = member(next_el(m), &nm, &v)) {
		if (strcmp(nm, "faultCode") == 0)
			(void)value_int(v, &code);
		else if (strcmp(nm, "faultString") == 0 && text == NULL)
			(void)value_str(v, &text);
	}
	seterr(errp, "supervisord answered fault %lld: %s", code,
	    text ? text : "(no faultString)");
	free(text);
	return -1;
}

static int
parse_proc(xmlNode *st, struct sv_proc *p, char **errp)
{
	const char *nm;
	xmlNode *v;
	int bad = 0;

	memset(p, 0, sizeof(*p));
	for (xmlNode *m = member(child(st), &nm, &v); m && !bad;
	    m = member(next_el(m), &nm, &v)) {
		char **s = strcmp(nm, "name") == 0 ? &p->name :
		    strcmp(nm, "group") == 0 ? &p->group :
		    strcmp(nm, "statename") == 0 ? &p->statename :
		    strcmp(nm, "spawnerr") == 0 ? &p->spawnerr :
		    strcmp(nm, "description") == 0 ? &p->description : NULL;
		long long *i = strcmp(nm, "start") == 0 ? &p->start :
		    strcmp(nm, "now") == 0 ? &p->now :
		    strcmp(nm, "exitstatus") == 0 ? &p->exitstatus :
		    strcmp(nm, "pid") == 0 ? &p->pid : NULL;
		if (s) {
			free(*s);
			*s = NULL;
			bad = value_str(v, s);
		} else if (i) {
			bad = value_int(v, i);
		}
		if (bad)
			seterr(errp, "malformed supervisord answer: member '%s' "
			    "has the wrong type", nm);
	}
	if (!bad && (p->name == NULL || p->statename == NULL)) {
		seterr(errp, "malformed supervisord answer: a process without "
		    "name or statename");
		bad = 1;
	}
	if (!bad && p->group == NULL)
		p->group = xstrdup(p->name);
	if (!bad && p->spawnerr == NULL)
		p->spawnerr = xstrdup("");
	if (!bad && p->description == NULL)
		p->description = xstrdup("");
	return bad ? -1 : 0;
}

int
xmlrpc_parse_procs(const char *xml, size_t n, struct sv_proc **out,
    size_t *nout, char **errp)
{
	xmlDoc *doc;
	xmlNode *r, *x;
	size_t cap = 0;
	int rc = -1;

	*out = NULL;
	*nout = 0;
	pthread_once(&xml_once, xml_init);
	if (n > XMLRPC_MAX)
		return seterr(errp, "supervisord's answer is longer than %u MiB",
		    XMLRPC_MAX >> 20);
	doc = xmlReadMemory(xml, (int)n, "answer.xml", NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		const char *m = e && e->message ? e->message : "";
		return seterr(errp, "malformed supervisord answer: not XML%s%.*s",
		    *m ? ": " : "", (int)strcspn(m, "\n"), m);
	}
	r = xmlDocGetRootElement(doc);
	if (!is(r, "methodResponse")) {
		seterr(errp, "malformed supervisord answer: no methodResponse");
		goto out;
	}
	x = child(r);
	if (is(x, "fault")) {
		parse_fault(x, errp);
		goto out;
	}
	/* params/param/value/array/data */
	x = child(child(child(x)));
	if (!is(x, "array") || !is(child(x), "data")) {
		seterr(errp, "malformed supervisord answer: no array of "
		    "processes");
		goto out;
	}
	for (xmlNode *v = child(child(x)); v; v = next_el(v)) {
		struct sv_proc p;
		if (!is(v, "value") || !is(child(v), "struct")) {
			seterr(errp, "malformed supervisord answer: a process "
			    "that is not a struct");
			goto out;
		}
		if (parse_proc(child(v), &p, errp) != 0) {
			proc_release(&p);
			goto out;
		}
		ARR_PUSH(*out, *nout, cap, p);
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	if (rc != 0) {
		sv_procs_free(*out, *nout);
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

void
sv_procs_free(struct sv_proc *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		proc_release(&p[i]);
	free(p);
}
