/*
 * lazy_systemd.h - libsystemd loaded on first use (lazy.h): sd-bus for
 * kind systemd, sd-journal for watching the journal.
 */
#ifndef CUTOVER_LAZY_SYSTEMD_H
#define CUTOVER_LAZY_SYSTEMD_H

#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "lazy.h"

#define LAZY_SYSTEMD_LIST(F, V)	\
	F(sd_bus_call_method) F(sd_bus_error_free)	\
	F(sd_bus_error_has_name) F(sd_bus_flush_close_unref)	\
	F(sd_bus_get_property_string) F(sd_bus_get_property_trivial)	\
	F(sd_bus_message_read) F(sd_bus_message_unref) F(sd_bus_new)	\
	F(sd_bus_open_system) F(sd_bus_set_address)	\
	F(sd_bus_set_bus_client) F(sd_bus_set_method_call_timeout)	\
	F(sd_bus_start) F(sd_journal_add_disjunction)	\
	F(sd_journal_add_match) F(sd_journal_close)	\
	F(sd_journal_get_cursor) F(sd_journal_get_data)	\
	F(sd_journal_get_realtime_usec) F(sd_journal_next)	\
	F(sd_journal_open) F(sd_journal_open_directory)	\
	F(sd_journal_open_files) F(sd_journal_previous)	\
	F(sd_journal_previous_skip) F(sd_journal_seek_cursor)	\
	F(sd_journal_seek_head) F(sd_journal_seek_realtime_usec)	\
	F(sd_journal_seek_tail) F(sd_journal_set_data_threshold)	\
	F(sd_journal_test_cursor)
LAZY_DECLARE(systemd, LAZY_SYSTEMD, LAZY_SYSTEMD_LIST)

#define sd_bus_call_method (lazy_systemd()->sd_bus_call_method)
#define sd_bus_error_free (lazy_systemd()->sd_bus_error_free)
#define sd_bus_error_has_name (lazy_systemd()->sd_bus_error_has_name)
#define sd_bus_flush_close_unref (lazy_systemd()->sd_bus_flush_close_unref)
#define sd_bus_get_property_string (lazy_systemd()->sd_bus_get_property_string)
#define sd_bus_get_property_trivial \
	(lazy_systemd()->sd_bus_get_property_trivial)
#define sd_bus_message_read (lazy_systemd()->sd_bus_message_read)
#define sd_bus_message_unref (lazy_systemd()->sd_bus_message_unref)
#define sd_bus_new (lazy_systemd()->sd_bus_new)
#define sd_bus_open_system (lazy_systemd()->sd_bus_open_system)
#define sd_bus_set_address (lazy_systemd()->sd_bus_set_address)
#define sd_bus_set_bus_client (lazy_systemd()->sd_bus_set_bus_client)
#define sd_bus_set_method_call_timeout \
	(lazy_systemd()->sd_bus_set_method_call_timeout)
#define sd_bus_start (lazy_systemd()->sd_bus_start)
#define sd_journal_add_disjunction (lazy_systemd()->sd_journal_add_disjunction)
#define sd_journal_add_match (lazy_systemd()->sd_journal_add_match)
#define sd_journal_close (lazy_systemd()->sd_journal_close)
#define sd_journal_get_cursor (lazy_systemd()->sd_journal_get_cursor)
#define sd_journal_get_data (lazy_systemd()->sd_journal_get_data)
#define sd_journal_get_realtime_usec \
	(lazy_systemd()->sd_journal_get_realtime_usec)
#define sd_journal_next (lazy_systemd()->sd_journal_next)
#define sd_journal_open (lazy_systemd()->sd_journal_open)
#define sd_journal_open_directory (lazy_systemd()->sd_journal_open_directory)
#define sd_journal_open_files (lazy_systemd()->sd_journal_open_files)
#define sd_journal_previous (lazy_systemd()->sd_journal_previous)
#define sd_journal_previous_skip (lazy_systemd()->sd_journal_previous_skip)
#define sd_journal_seek_cursor (lazy_systemd()->sd_journal_seek_cursor)
#define sd_journal_seek_head (lazy_systemd()->sd_journal_seek_head)
#define sd_journal_seek_realtime_usec \
	(lazy_systemd()->sd_journal_seek_realtime_usec)
#define sd_journal_seek_tail (lazy_systemd()->sd_journal_seek_tail)
#define sd_journal_set_data_threshold \
	(lazy_systemd()->sd_journal_set_data_threshold)
#define sd_journal_test_cursor (lazy_systemd()->sd_journal_test_cursor)
#endif
