/*
 * lazy_xml2.h - libxml2 loaded on first use (lazy.h).  Only
 * src/lib/xmlrpc.c parses XML (supervisord's answers).
 */
#ifndef CUTOVER_LAZY_XML2_H
#define CUTOVER_LAZY_XML2_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "lazy.h"

#define LAZY_XML2_LIST(F, V)						\
	F(xmlDocGetRootElement) F(xmlFreeDoc) F(xmlGetLastError)	\
	F(xmlInitParser) F(xmlNodeGetContent) F(xmlReadMemory)		\
	V(xmlFree)
LAZY_DECLARE(xml2, LAZY_XML2, LAZY_XML2_LIST)

#define xmlDocGetRootElement	(lazy_xml2()->xmlDocGetRootElement)
#define xmlFreeDoc		(lazy_xml2()->xmlFreeDoc)
#define xmlGetLastError		(lazy_xml2()->xmlGetLastError)
#define xmlInitParser		(lazy_xml2()->xmlInitParser)
#define xmlNodeGetContent	(lazy_xml2()->xmlNodeGetContent)
#define xmlReadMemory		(lazy_xml2()->xmlReadMemory)
#define xmlFree			(*lazy_xml2()->xmlFree)
#endif
