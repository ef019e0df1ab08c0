/*
 * lazy_mhd.h - libmicrohttpd loaded on first use (lazy.h): only `cutover
 * serve` (the dashboard) answers HTTP.
 */
#ifndef CUTOVER_LAZY_MHD_H
#define CUTOVER_LAZY_MHD_H

#include <microhttpd.h>

#include "lazy.h"

#define LAZY_MHD_LIST(F, V)	\
	F(MHD_add_response_header) F(MHD_create_response_from_buffer)	\
	F(MHD_create_response_from_buffer_with_free_callback_cls)	\
	F(MHD_destroy_response) F(MHD_get_connection_info)	\
	F(MHD_get_daemon_info) F(MHD_is_feature_supported)	\
	F(MHD_lookup_connection_value) F(MHD_queue_response)	\
	F(MHD_resume_connection) F(MHD_start_daemon)	\
	F(MHD_stop_daemon) F(MHD_suspend_connection)
LAZY_DECLARE(mhd, LAZY_MHD, LAZY_MHD_LIST)

#define MHD_add_response_header (lazy_mhd()->MHD_add_response_header)
#define MHD_create_response_from_buffer \
	(lazy_mhd()->MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback_cls \
	(lazy_mhd()->MHD_create_response_from_buffer_with_free_callback_cls)
#define MHD_destroy_response (lazy_mhd()->MHD_destroy_response)
#define MHD_get_connection_info (lazy_mhd()->MHD_get_connection_info)
#define MHD_get_daemon_info (lazy_mhd()->MHD_get_daemon_info)
#define MHD_is_feature_supported (lazy_mhd()->MHD_is_feature_supported)
#define MHD_lookup_connection_value (lazy_mhd()->MHD_lookup_connection_value)
#define MHD_queue_response (lazy_mhd()->MHD_queue_response)
#define MHD_resume_connection (lazy_mhd()->MHD_resume_connection)
#define MHD_start_daemon (lazy_mhd()->MHD_start_daemon)
#define MHD_stop_daemon (lazy_mhd()->MHD_stop_daemon)
#define MHD_suspend_connection (lazy_mhd()->MHD_suspend_connection)
#endif
