/*
 * lazy_curl.h - libcurl loaded on first use (lazy.h): HTTP checks,
 * alerts, logs over HTTP, container and process-manager sockets.  An
 * empty main() linked against the core libraries takes 258 page faults
 * and 5.1 M instructions, 542 and 14.1 M with libcurl (its TLS, HTTP/2,
 * LDAP, Kerberos, SSH... dependencies): a `cutover lint` or a watch of
 * files never pays that.  curl_global_init runs once, at the load
 * (lazy.c), so no caller calls it.
 *
 * curl_easy_setopt and curl_easy_getinfo are function-like macros
 * (curl/typecheck-gcc.h) that check the argument's type and then call
 * the function of that name: the redirect below cannot wrap them.  They
 * are renamed instead, at the assembler level (the asm labels below), to
 * forwarders in lazy.c, so the type checks stay as curl wrote them and a
 * file that misses this header still fails to link.
 */
#ifndef CUTOVER_LAZY_CURL_H
#define CUTOVER_LAZY_CURL_H

#include <curl/curl.h>

#include "lazy.h"

extern __typeof__(curl_easy_setopt) curl_easy_setopt
    __asm__("lazy_curl_easy_setopt");
extern __typeof__(curl_easy_getinfo) curl_easy_getinfo
    __asm__("lazy_curl_easy_getinfo");

#define LAZY_CURL_LIST(F, V)	\
	F(curl_easy_cleanup) F(curl_easy_escape) F(curl_easy_getinfo)	\
	F(curl_easy_init) F(curl_easy_perform) F(curl_easy_reset)	\
	F(curl_easy_setopt) F(curl_easy_strerror) F(curl_free) F(curl_global_init)	\
	F(curl_multi_add_handle) F(curl_multi_cleanup)	\
	F(curl_multi_info_read) F(curl_multi_init)	\
	F(curl_multi_remove_handle) F(curl_multi_setopt)	\
	F(curl_multi_socket_action) F(curl_slist_append)	\
	F(curl_slist_free_all) F(curl_url) F(curl_url_cleanup)	\
	F(curl_url_get) F(curl_url_set)
LAZY_DECLARE(curl, LAZY_CURL, LAZY_CURL_LIST)

#define curl_easy_cleanup (lazy_curl()->curl_easy_cleanup)
#define curl_easy_escape (lazy_curl()->curl_easy_escape)
#define curl_easy_init (lazy_curl()->curl_easy_init)
#define curl_easy_perform (lazy_curl()->curl_easy_perform)
#define curl_easy_reset (lazy_curl()->curl_easy_reset)
#define curl_easy_strerror (lazy_curl()->curl_easy_strerror)
#define curl_free (lazy_curl()->curl_free)
#define curl_multi_add_handle (lazy_curl()->curl_multi_add_handle)
#define curl_multi_cleanup (lazy_curl()->curl_multi_cleanup)
#define curl_multi_info_read (lazy_curl()->curl_multi_info_read)
#define curl_multi_init (lazy_curl()->curl_multi_init)
#define curl_multi_remove_handle (lazy_curl()->curl_multi_remove_handle)
/* curl.h's own macro checks for three arguments; so does this one. */
#undef curl_multi_setopt
#define curl_multi_setopt(m, opt, param) \
	(lazy_curl()->curl_multi_setopt)(m, opt, param)
#define curl_multi_socket_action (lazy_curl()->curl_multi_socket_action)
#define curl_slist_append (lazy_curl()->curl_slist_append)
#define curl_slist_free_all (lazy_curl()->curl_slist_free_all)
#define curl_url (lazy_curl()->curl_url)
#define curl_url_cleanup (lazy_curl()->curl_url_cleanup)
#define curl_url_get (lazy_curl()->curl_url_get)
#define curl_url_set (lazy_curl()->curl_url_set)
#endif
