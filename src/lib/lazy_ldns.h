/*
 * lazy_ldns.h - ldns loaded on first use (lazy.h): only kind dns asks a
 * resolver.
 */
#ifndef CUTOVER_LAZY_LDNS_H
#define CUTOVER_LAZY_LDNS_H

#include <ldns/ldns.h>

#include "lazy.h"

#define LAZY_LDNS_LIST(F, V)	\
	F(ldns_get_errorstr_by_id) F(ldns_lookup_by_id)	\
	F(ldns_pkt_answer) F(ldns_pkt_free) F(ldns_pkt_get_rcode)	\
	F(ldns_pkt_tc) V(ldns_rcodes) F(ldns_rdf2native_int16)	\
	F(ldns_rdf2str) F(ldns_rdf_data) F(ldns_rdf_deep_free)	\
	F(ldns_rdf_get_type) F(ldns_rdf_new_frm_str) F(ldns_rdf_size)	\
	F(ldns_resolver_deep_free) F(ldns_resolver_nameserver_count)	\
	F(ldns_resolver_new) F(ldns_resolver_new_frm_file)	\
	F(ldns_resolver_push_nameserver) F(ldns_resolver_send)	\
	F(ldns_resolver_set_dnssec) F(ldns_resolver_set_fallback)	\
	F(ldns_resolver_set_port) F(ldns_resolver_set_random)	\
	F(ldns_resolver_set_recursive) F(ldns_resolver_set_retrans)	\
	F(ldns_resolver_set_retry) F(ldns_resolver_set_timeout)	\
	F(ldns_rr_get_type) F(ldns_rr_list_rr)	\
	F(ldns_rr_list_rr_count) F(ldns_rr_rd_count) F(ldns_rr_rdf)	\
	F(ldns_rr_ttl) F(ldns_str2rdf_dname) F(ldns_wire2pkt)
LAZY_DECLARE(ldns, LAZY_LDNS, LAZY_LDNS_LIST)

#define ldns_get_errorstr_by_id (lazy_ldns()->ldns_get_errorstr_by_id)
#define ldns_lookup_by_id (lazy_ldns()->ldns_lookup_by_id)
#define ldns_pkt_answer (lazy_ldns()->ldns_pkt_answer)
#define ldns_pkt_free (lazy_ldns()->ldns_pkt_free)
#define ldns_pkt_get_rcode (lazy_ldns()->ldns_pkt_get_rcode)
#define ldns_pkt_tc (lazy_ldns()->ldns_pkt_tc)
#define ldns_rcodes (*lazy_ldns()->ldns_rcodes)
#define ldns_rdf2native_int16 (lazy_ldns()->ldns_rdf2native_int16)
#define ldns_rdf2str (lazy_ldns()->ldns_rdf2str)
#define ldns_rdf_data (lazy_ldns()->ldns_rdf_data)
#define ldns_rdf_deep_free (lazy_ldns()->ldns_rdf_deep_free)
#define ldns_rdf_get_type (lazy_ldns()->ldns_rdf_get_type)
#define ldns_rdf_new_frm_str (lazy_ldns()->ldns_rdf_new_frm_str)
#define ldns_rdf_size (lazy_ldns()->ldns_rdf_size)
#define ldns_resolver_deep_free (lazy_ldns()->ldns_resolver_deep_free)
#define ldns_resolver_nameserver_count \
	(lazy_ldns()->ldns_resolver_nameserver_count)
#define ldns_resolver_new (lazy_ldns()->ldns_resolver_new)
#define ldns_resolver_new_frm_file (lazy_ldns()->ldns_resolver_new_frm_file)
#define ldns_resolver_push_nameserver \
	(lazy_ldns()->ldns_resolver_push_nameserver)
#define ldns_resolver_send (lazy_ldns()->ldns_resolver_send)
#define ldns_resolver_set_dnssec (lazy_ldns()->ldns_resolver_set_dnssec)
#define ldns_resolver_set_fallback (lazy_ldns()->ldns_resolver_set_fallback)
#define ldns_resolver_set_port (lazy_ldns()->ldns_resolver_set_port)
#define ldns_resolver_set_random (lazy_ldns()->ldns_resolver_set_random)
#define ldns_resolver_set_recursive (lazy_ldns()->ldns_resolver_set_recursive)
#define ldns_resolver_set_retrans (lazy_ldns()->ldns_resolver_set_retrans)
#define ldns_resolver_set_retry (lazy_ldns()->ldns_resolver_set_retry)
#define ldns_resolver_set_timeout (lazy_ldns()->ldns_resolver_set_timeout)
#define ldns_rr_get_type (lazy_ldns()->ldns_rr_get_type)
#define ldns_rr_list_rr (lazy_ldns()->ldns_rr_list_rr)
#define ldns_rr_list_rr_count (lazy_ldns()->ldns_rr_list_rr_count)
#define ldns_rr_rd_count (lazy_ldns()->ldns_rr_rd_count)
#define ldns_rr_rdf (lazy_ldns()->ldns_rr_rdf)
#define ldns_rr_ttl (lazy_ldns()->ldns_rr_ttl)
#define ldns_str2rdf_dname (lazy_ldns()->ldns_str2rdf_dname)
#define ldns_wire2pkt (lazy_ldns()->ldns_wire2pkt)
#endif
